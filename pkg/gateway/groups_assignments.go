package gateway

import (
	"context"
	"net/http"
	"slices"
	"sort"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// consumerAssignments answers the partitions assigned to a consumer of a
// group, from the group's description, sorted by topic and partition.
func (c *call) consumerAssignments(ctx context.Context) (*Response, BodyFunc) {
	if c.route.Action == kafkarest.GetConsumerAssignment {
		// The answer names a topic's partition: DESCRIBE on the topic as
		// well as the group, as for a group's lag on one partition.
		if deny := c.authorize(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, c.route.Topic); deny != nil {
			return deny, nil
		}
	}
	g, err := c.cluster.ConsumerGroup(ctx, c.route.Group)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	m, err := groupMember(&g, c.route.Consumer)
	if err != nil {
		return c.fail(err), nil
	}
	links := kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
	cid := c.cluster.ID()
	as := restAssignments(g.ID, m)
	if c.route.Action == kafkarest.ListConsumerAssignments {
		// Only the partitions of topics the caller may describe.
		show, err := c.visibleSet(ctx, kafkarest.OpDescribe, kafkarest.ResourceTopic, distinctTopics(len(as), func(i int) string { return as[i].Topic }))
		if err != nil {
			return c.fail(kafka.ClientError(err)), nil
		}
		as = slices.DeleteFunc(as, func(a kafkarest.ConsumerAssignment) bool { return !show[a.Topic] })
		return c.groupsReply(links.ConsumerAssignmentList(cid, g.ID, m.ConsumerID, as)), nil
	}
	for _, a := range as {
		if a.Topic == c.route.Topic && a.Partition == *c.route.Partition {
			return c.groupsReply(links.ConsumerAssignment(cid, a)), nil
		}
	}
	return c.fail(apierr.New(http.StatusNotFound, 40403,
		"Partition %d of topic %s is not assigned to consumer %s of consumer group %s.",
		*c.route.Partition, c.route.Topic, m.ConsumerID, g.ID)), nil
}

// restAssignments lists a member's partitions, sorted by topic and partition.
func restAssignments(group string, m *kafka.GroupMember) []kafkarest.ConsumerAssignment {
	out := make([]kafkarest.ConsumerAssignment, len(m.Assignment))
	for i, p := range m.Assignment {
		out[i] = kafkarest.ConsumerAssignment{GroupID: group, ConsumerID: m.ConsumerID, Topic: p.Topic, Partition: p.Partition}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}
