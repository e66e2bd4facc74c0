package gateway

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// partitions answers one partition, its offsets and its replicas, in both APIs.
func (c *call) partitions(ctx context.Context) (*Response, BodyFunc) {
	t, err := c.topicInfo(ctx)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	var p *kafka.PartitionInfo
	for i := range t.Partitions {
		if t.Partitions[i].ID == *c.route.Partition {
			p = &t.Partitions[i]
		}
	}
	if p == nil {
		return c.fail(apierr.UnknownPartition(t.Name, *c.route.Partition, len(t.Partitions), "")), nil
	}
	if c.route.API == "v2" {
		return c.adminV2Partition(ctx, &t, p), nil
	}
	links := c.adminLinks()
	cid := c.cluster.ID()
	switch c.route.Action {
	case kafkarest.GetPartition:
		return c.adminAnswer(links.Partition(cid, t.Name, kafkarest.Partition{ID: p.ID, Leader: p.Leader})), nil
	case kafkarest.GetPartitionOffsets:
		if err := adminCheckOffsetType(c.route.Query.Get("offset_type")); err != nil {
			return c.fail(err), nil
		}
		w, err := c.partitionRange(ctx, c.topic, p.ID)
		if err != nil {
			return c.fail(kafka.ClientError(err)), nil
		}
		return c.adminAnswer(links.PartitionOffsets(cid, t.Name, p.ID, w.Low, w.High)), nil
	case kafkarest.ListReplicas:
		return c.adminAnswer(links.ReplicaList(cid, t.Name, p.ID, adminReplicas(p))), nil
	default: // GetReplica
		for _, r := range adminReplicas(p) {
			if r.Broker == *c.route.BrokerID {
				return c.adminAnswer(links.Replica(cid, t.Name, p.ID, r)), nil
			}
		}
		return c.fail(apierr.New(http.StatusNotFound, 404, "Replica %d of partition %d of topic %s cannot be found.",
			*c.route.BrokerID, p.ID, t.Name)), nil
	}
}

// adminCheckOffsetType accepts the offset_type values of Confluent's endpoint. The
// answer always carries both offsets, since the schema requires both.
func adminCheckOffsetType(v string) error {
	switch strings.ToLower(v) {
	case "", "earliest", "latest", "earliest_and_latest":
		return nil
	}
	return apierr.BadRequest("offset_type must be earliest, latest or earliest_and_latest, got %q", v)
}

// partitionRange is a partition's earliest and latest offsets.
func (c *call) partitionRange(ctx context.Context, topic string, partition int32) (kafka.Watermark, error) {
	tp := kafka.TopicPartition{Topic: topic, Partition: partition}
	w, err := kafka.Watermarks(ctx, c.cluster, []kafka.TopicPartition{tp})
	return w[tp], err
}

func adminReplicas(p *kafka.PartitionInfo) []kafkarest.Replica {
	out := make([]kafkarest.Replica, len(p.Replicas))
	for i, b := range p.Replicas {
		out[i] = kafkarest.Replica{Broker: b, Leader: b == p.Leader, InSync: slices.Contains(p.ISR, b)}
	}
	return out
}

func restV2Partition(p *kafka.PartitionInfo) kafkarest.V2Partition {
	return kafkarest.V2Partition{ID: p.ID, Leader: p.Leader, Replicas: adminReplicas(p)}
}

// adminV2Partition answers the bridge's partition and offsets endpoints.
func (c *call) adminV2Partition(ctx context.Context, t *kafka.TopicInfo, p *kafka.PartitionInfo) *Response {
	if c.route.Action == kafkarest.GetPartitionOffsets {
		w, err := c.partitionRange(ctx, c.topic, p.ID)
		if err != nil {
			return c.fail(kafka.ClientError(err))
		}
		return c.adminAnswer(kafkarest.V2OffsetsSummary(w.Low, w.High))
	}
	return c.adminAnswer(kafkarest.V2PartitionMetadata(restV2Partition(p)))
}
