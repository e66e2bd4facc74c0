package gateway

import (
	"context"
	"net/http"
	"sync"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// describe answers the metadata endpoints.
func (c *call) describe(ctx context.Context) (*Response, BodyFunc) {
	if c.route.API == "v2" {
		return c.describeV2(ctx), nil
	}
	return c.describeV3(ctx), nil
}

// describeV2 answers the bridge's GET /topics, /topics/{t} and
// /topics/{t}/partitions. Like the bridge, the topic list leaves out
// Kafka's internal topics.
func (c *call) describeV2(ctx context.Context) *Response {
	switch c.route.Action {
	case kafkarest.ListTopics:
		ts, err := c.cluster.Topics(ctx)
		if err != nil {
			return c.fail(kafka.ClientError(err))
		}
		names := make([]string, 0, len(ts))
		for _, t := range ts {
			if !t.Internal {
				names = append(names, t.Name)
			}
		}
		if names, err = c.visible(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, names); err != nil {
			return c.fail(kafka.ClientError(err))
		}
		return c.adminAnswer(kafkarest.V2TopicNames(names))
	case kafkarest.GetTopic, kafkarest.ListPartitions:
		t, err := c.topicInfo(ctx)
		if err != nil {
			return c.fail(kafka.ClientError(err))
		}
		ps := make([]kafkarest.V2Partition, len(t.Partitions))
		for i := range t.Partitions {
			ps[i] = restV2Partition(&t.Partitions[i])
		}
		if c.route.Action == kafkarest.ListPartitions {
			return c.adminAnswer(kafkarest.V2PartitionList(ps))
		}
		configs := map[string]string{}
		for _, e := range t.Configs {
			if e.Value != nil {
				configs[e.Name] = *e.Value
			}
		}
		return c.adminAnswer(kafkarest.V2Topic(t.Name, configs, ps))
	}
	return c.fail(apierr.NotFound)
}

func (c *call) describeV3(ctx context.Context) *Response {
	links := kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
	var body []byte
	var err error
	switch c.route.Action {
	case kafkarest.ListClusters:
		body, err = c.listClusters(ctx, links)
	case kafkarest.GetCluster:
		var info kafka.ClusterInfo
		if info, err = c.cluster.Describe(ctx); err == nil {
			body, err = links.Cluster(restCluster(info))
		}
	case kafkarest.ListTopics:
		var ts []kafka.TopicInfo
		if ts, err = c.cluster.Topics(ctx); err == nil {
			var show map[string]bool
			if show, err = c.visibleSet(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, topicNames(ts)); err != nil {
				break
			}
			out := make([]kafkarest.Topic, 0, len(show))
			for i := range ts {
				if show[ts[i].Name] {
					out = append(out, restTopic(&ts[i]))
				}
			}
			body, err = links.TopicList(c.cluster.ID(), out)
		}
	case kafkarest.GetTopic, kafkarest.ListPartitions:
		var t kafka.TopicInfo
		if t, err = c.topicInfo(ctx); err == nil {
			if c.route.Action == kafkarest.GetTopic {
				body, err = links.Topic(c.cluster.ID(), restTopic(&t))
			} else {
				body, err = links.PartitionList(c.cluster.ID(), restTopic(&t))
			}
		}
	default:
		err = apierr.NotFound
	}
	if err != nil {
		return c.fail(kafka.ClientError(err))
	}
	return c.respond(http.StatusOK, body)
}

// listClusters lists the clusters that answer; it fails only if none does.
// Clusters are asked at once, so unreachable ones cost one request timeout,
// not one each. A decision that chose a cluster lists that one alone.
func (c *call) listClusters(ctx context.Context, links kafkarest.Links) ([]byte, error) {
	clusters := c.g.opts.Clusters
	if c.cluster != nil {
		clusters = []Cluster{c.cluster}
	}
	infos := make([]kafka.ClusterInfo, len(clusters))
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	for i, cl := range clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			infos[i], errs[i] = cl.Describe(ctx)
		}()
	}
	wg.Wait()
	var out []kafkarest.Cluster
	var firstErr error
	for i, err := range errs {
		if err != nil {
			c.log.Warn("cluster did not answer", zap.String("cluster", clusters[i].Name()), zap.Error(err))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, restCluster(infos[i]))
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return links.ClusterList(out)
}

func restCluster(info kafka.ClusterInfo) kafkarest.Cluster {
	return kafkarest.Cluster{ID: info.ID, ControllerID: info.ControllerID}
}

func restTopic(t *kafka.TopicInfo) kafkarest.Topic {
	out := kafkarest.Topic{Name: t.Name, Internal: t.Internal, ReplicationFactor: t.ReplicationFactor}
	out.Partitions = make([]kafkarest.Partition, len(t.Partitions))
	for i, p := range t.Partitions {
		out.Partitions[i] = kafkarest.Partition{ID: p.ID, Leader: p.Leader}
	}
	return out
}

func topicNames(ts []kafka.TopicInfo) []string {
	names := make([]string, len(ts))
	for i := range ts {
		names[i] = ts[i].Name
	}
	return names
}
