package gateway

import (
	"context"
	"fmt"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// A decision's `topic` and `cluster` choose what the request acts on
// (docs/policy.md, "Topic rewriting and cluster choice").

// rewritable are the actions a decision may send to another topic: each
// acts on the one topic of its path, and every answer that names the topic
// can show the client's name instead of the real one.
var rewritable = map[kafkarest.Action]bool{
	kafkarest.Produce:             true,
	kafkarest.ProduceBatch:        true,
	kafkarest.GetTopic:            true,
	kafkarest.ListPartitions:      true,
	kafkarest.GetPartition:        true,
	kafkarest.GetPartitionOffsets: true,
	kafkarest.ListReplicas:        true,
	kafkarest.GetReplica:          true,
	kafkarest.ReadRecords:         true,
}

// instanceActions are served by the v2 consumer instances, which live on the
// default cluster.
var instanceActions = map[kafkarest.Action]bool{
	kafkarest.CreateConsumer: true, kafkarest.DeleteConsumer: true,
	kafkarest.Subscribe: true, kafkarest.GetSubscription: true, kafkarest.Unsubscribe: true,
	kafkarest.Assign: true, kafkarest.Poll: true, kafkarest.CommitOffsets: true,
	kafkarest.Seek: true, kafkarest.SeekToBeginning: true, kafkarest.SeekToEnd: true,
}

// applyTarget makes an allowing decision's cluster and topic the request's.
// The first decision that names one chooses it; later decisions of the same
// request may only repeat it. It fails when topicgate cannot do what the
// decision says.
func (c *call) applyTarget(d *policy.Decision, in *policy.Input) error {
	if err := c.chooseCluster(d.Cluster); err != nil {
		return err
	}
	return c.chooseTopic(d.Topic, in)
}

func (c *call) chooseCluster(name string) error {
	if name == "" {
		return nil
	}
	cl := c.g.clusterByName(name)
	switch {
	case cl == nil:
		return fmt.Errorf("decision cluster %q is not a configured cluster (kafka.clusters)", name)
	case c.clusterChosen:
		if cl != c.cluster {
			return fmt.Errorf("decision cluster %q differs from %q, which an earlier decision of the request chose", name, c.cluster.Name())
		}
		return nil
	case c.route.ClusterID != "" && cl.ID() != c.route.ClusterID:
		return fmt.Errorf("decision cluster %q (id %q) is not the cluster %s the path names", name, cl.ID(), c.route.ClusterID)
	case instanceActions[c.route.Action] && cl != c.g.defaultCluster():
		return fmt.Errorf("decision cluster %q: consumer instances live on the default cluster %q", name, c.g.defaultCluster().Name())
	}
	c.cluster, c.clusterChosen = cl, true
	return nil
}

func (c *call) chooseTopic(topic string, in *policy.Input) error {
	switch {
	case topic == "":
		return nil
	case c.topicChosen:
		if topic != c.topic {
			return fmt.Errorf("decision topic %q differs from %q, which an earlier decision of the request chose", topic, c.topic)
		}
		return nil
	case topic == in.Topic: // the topic the decision was asked about: nothing to rewrite
		return nil
	case !rewritable[c.route.Action] || in.Phase != policy.PhaseRequest || in.Topic != c.route.Topic:
		return fmt.Errorf("decision topic %q: %s cannot act on another topic than the one it names", topic, c.route.Action)
	}
	c.topic, c.topicChosen = topic, true
	return nil
}

// topicInfo describes the topic the request acts on (c.topic) under the name
// the client used: answers and messages built from it show that name, so a
// rewritten topic's real name stays hidden. Kafka calls use c.topic.
func (c *call) topicInfo(ctx context.Context) (kafka.TopicInfo, error) {
	t, err := c.cluster.Topic(ctx, c.topic)
	t.Name = c.route.Topic
	return t, err
}
