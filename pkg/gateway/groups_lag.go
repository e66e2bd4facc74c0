package gateway

import (
	"context"
	"net/http"
	"slices"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// groupLags answers a group's lags: one per partition where it committed an
// offset, against the partition's log end offset, with the member the
// partition is assigned to (if any).
func (c *call) groupLags(ctx context.Context) (*Response, BodyFunc) {
	if c.route.Action == kafkarest.GetGroupLag {
		// Kafka's OffsetFetch needs DESCRIBE on the topic as well as the group.
		if deny := c.authorize(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, c.route.Topic); deny != nil {
			return deny, nil
		}
	}
	g, err := c.cluster.ConsumerGroup(ctx, c.route.Group)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	lags, err := c.groupLagList(ctx, &g)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	if c.route.Action != kafkarest.GetGroupLag {
		// Kafka's OffsetFetch leaves out the topics the caller may not
		// describe: so do the group's lags and their summary.
		if lags, err = c.visibleLags(ctx, lags); err != nil {
			return c.fail(kafka.ClientError(err)), nil
		}
	}
	links := kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
	cid := c.cluster.ID()
	switch c.route.Action {
	case kafkarest.ListGroupLags:
		return c.groupsReply(links.ConsumerLagList(cid, g.ID, lags)), nil
	case kafkarest.GetGroupLagSummary:
		if len(lags) == 0 {
			return c.fail(apierr.New(http.StatusNotFound, 40403,
				"Consumer group %s has no committed offsets, so it has no lag to summarize.", g.ID)), nil
		}
		return c.groupsReply(links.LagSummary(cid, groupLagSummary(lags))), nil
	default: // GetGroupLag
		for _, l := range lags {
			if l.Topic == c.route.Topic && l.Partition == *c.route.Partition {
				return c.groupsReply(links.ConsumerLag(cid, l)), nil
			}
		}
		return c.fail(apierr.New(http.StatusNotFound, 40403,
			"Consumer group %s has no committed offset on partition %d of topic %s.", g.ID, *c.route.Partition, c.route.Topic)), nil
	}
}

// groupLagList computes the group's lags, asking log end offsets only for the
// partitions the request needs.
func (c *call) groupLagList(ctx context.Context, g *kafka.Group) ([]kafkarest.ConsumerLag, error) {
	topic := ""
	if c.route.Action == kafkarest.GetGroupLag {
		topic = c.route.Topic
	}
	offsets, err := c.cluster.GroupOffsets(ctx, g.ID, topic)
	if err != nil {
		return nil, err
	}
	parts := make([]kafka.TopicPartition, 0, len(offsets))
	for _, o := range offsets {
		if topic != "" && o.Partition != *c.route.Partition {
			continue
		}
		parts = append(parts, kafka.TopicPartition{Topic: o.Topic, Partition: o.Partition})
	}
	ends, err := c.cluster.ListOffsets(ctx, parts, kafka.Latest)
	if err != nil {
		return nil, err
	}
	owner := map[kafka.TopicPartition]*kafka.GroupMember{}
	for i := range g.Members {
		for _, p := range g.Members[i].Assignment {
			owner[p] = &g.Members[i]
		}
	}
	out := make([]kafkarest.ConsumerLag, 0, len(parts))
	for _, o := range offsets {
		p := kafka.TopicPartition{Topic: o.Topic, Partition: o.Partition}
		end, ok := ends[p]
		if !ok {
			continue
		}
		l := kafkarest.ConsumerLag{
			GroupID: g.ID, Topic: o.Topic, Partition: o.Partition,
			CurrentOffset: o.Offset, LogEndOffset: end,
			// A commit past the end (the log was truncated or deleted and
			// recreated) is no lag, not a negative one.
			Lag: max(end-o.Offset, 0),
		}
		if m := owner[p]; m != nil {
			l.ConsumerID, l.InstanceID, l.ClientID = m.ConsumerID, m.InstanceID, m.ClientID
		}
		out = append(out, l)
	}
	return out, nil
}

// groupLagSummary is the largest lag (the first, in topic and partition order,
// on ties) and the total.
func groupLagSummary(lags []kafkarest.ConsumerLag) kafkarest.LagSummary {
	s := kafkarest.LagSummary{Max: lags[0]}
	for _, l := range lags {
		s.TotalLag += l.Lag
		if l.Lag > s.Max.Lag {
			s.Max = l
		}
	}
	return s
}

// visibleLags keeps the lags of the topics the caller may describe (phase
// item, visible.go).
func (c *call) visibleLags(ctx context.Context, lags []kafkarest.ConsumerLag) ([]kafkarest.ConsumerLag, error) {
	show, err := c.visibleSet(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, distinctTopics(len(lags), func(i int) string { return lags[i].Topic }))
	return slices.DeleteFunc(lags, func(l kafkarest.ConsumerLag) bool { return !show[l.Topic] }), err
}

// distinctTopics lists the topic names of n items once each, in order.
func distinctTopics(n int, topic func(i int) string) []string {
	seen := map[string]bool{}
	var out []string
	for i := 0; i < n; i++ {
		if t := topic(i); !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
