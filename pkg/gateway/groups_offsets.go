package gateway

import (
	"context"
	"fmt"
	"sort"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// groupOffsets answers topicgate's stateless committed offsets: GET reads a
// group's committed offsets on a topic, POST commits offsets for a group
// that has no active member. No consumer instance is involved, so any
// replica can answer.
//
// The route's decision is on the group (DESCRIBE to read, READ to commit,
// as Kafka's OffsetFetch and OffsetCommit ACLs); Kafka also requires the same
// operation on the topic, so the topic gets its own decision.
func (c *call) groupOffsets(ctx context.Context) (*Response, BodyFunc) {
	op := kafkarest.OpDescribe
	if c.route.Action == kafkarest.CommitGroupOffsets {
		op = kafkarest.OpRead
	}
	if deny := c.authorize(ctx, op, kafkarest.ResourceTopic, c.route.Topic); deny != nil {
		return deny, nil
	}
	topic, err := c.cluster.Topic(ctx, c.route.Topic)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	if c.route.Action == kafkarest.GetGroupOffsets {
		return c.groupCommitted(ctx), nil
	}
	return c.expectBody(ctx, kafkarest.CheckJSONContentType, false, func(ctx context.Context, body []byte) *Response {
		return c.commitGroupOffsets(ctx, &topic, body)
	})
}

// commitGroupOffsets validates every entry against the topic and its log ends,
// commits them all, and answers with the group's offsets on the topic (or,
// should reading them back fail, with the committed entries). An invalid
// entry commits nothing.
func (c *call) commitGroupOffsets(ctx context.Context, topic *kafka.TopicInfo, body []byte) *Response {
	entries, err := kafkarest.ParseCommitOffsets(body)
	if err != nil {
		return c.fail(err)
	}
	parts := make([]kafka.TopicPartition, len(entries))
	for i, e := range entries {
		if !topic.HasPartition(e.Partition) {
			return c.fail(apierr.UnknownPartition(topic.Name, e.Partition, len(topic.Partitions), fmt.Sprintf("offsets[%d]", i)))
		}
		parts[i] = kafka.TopicPartition{Topic: topic.Name, Partition: e.Partition}
	}
	ends, err := c.cluster.ListOffsets(ctx, parts, kafka.Latest)
	if err != nil {
		return c.fail(kafka.ClientError(err))
	}
	offsets := make([]kafka.GroupOffset, len(entries))
	for i, e := range entries {
		if end := ends[parts[i]]; e.Offset > end {
			return c.fail(apierr.BadRequest(
				"offsets[%d]: offset %d is beyond the end of partition %d of %s, whose high watermark is %d",
				i, e.Offset, e.Partition, topic.Name, end))
		}
		offsets[i] = kafka.GroupOffset{Topic: topic.Name, Partition: e.Partition, Offset: e.Offset, Metadata: e.Metadata}
	}
	if err := c.cluster.CommitGroupOffsets(ctx, c.route.Group, offsets); err != nil {
		return c.fail(kafka.ClientError(err))
	}
	// The commit succeeded: the answer must say so. Should reading the
	// group's offsets back fail, the request's entries are the answer.
	got, err := c.cluster.GroupOffsets(ctx, c.route.Group, c.route.Topic)
	if err != nil {
		c.log.Warn("offsets committed, but reading them back failed; answering the committed entries",
			zap.String("group", c.route.Group), zap.String("topic", c.route.Topic), zap.Error(err))
		got = offsets
		sort.Slice(got, func(i, j int) bool { return got[i].Partition < got[j].Partition })
	}
	return c.groupOffsetsReply(got)
}

// groupCommitted answers the group's committed offsets on the route's topic.
func (c *call) groupCommitted(ctx context.Context) *Response {
	got, err := c.cluster.GroupOffsets(ctx, c.route.Group, c.route.Topic)
	if err != nil {
		return c.fail(kafka.ClientError(err))
	}
	return c.groupOffsetsReply(got)
}

// groupOffsetsReply renders offsets of the route's group on its topic.
func (c *call) groupOffsetsReply(got []kafka.GroupOffset) *Response {
	out := make([]kafkarest.GroupOffset, len(got))
	for i, o := range got {
		out[i] = kafkarest.GroupOffset{Partition: o.Partition, Offset: o.Offset, Metadata: o.Metadata}
	}
	links := kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
	return c.groupsReply(links.GroupOffsets(c.cluster.ID(), c.route.Group, c.route.Topic, out))
}
