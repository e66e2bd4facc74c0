package gateway

import (
	"context"
	"net/http"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// groupsCluster is what the consumer-group endpoints need of a cluster:
// groups, their members, committed offsets and lag.
type groupsCluster interface {
	// ConsumerGroups describes every group, sorted by id.
	ConsumerGroups(ctx context.Context) ([]kafka.Group, error)
	// ConsumerGroup describes one group; an unknown group is an error
	// that kafka.ClientError maps to 404.
	ConsumerGroup(ctx context.Context, id string) (kafka.Group, error)
	// GroupOffsets lists a group's committed offsets, on every topic or
	// on one, sorted by topic and partition.
	GroupOffsets(ctx context.Context, group, topic string) ([]kafka.GroupOffset, error)
	// CommitGroupOffsets commits offsets for a group that has no member.
	CommitGroupOffsets(ctx context.Context, group string, offsets []kafka.GroupOffset) error
	// ListOffsets looks up one offset of each partition: with kafka.Latest,
	// the log end offsets lag and commit validation need.
	ListOffsets(ctx context.Context, parts []kafka.TopicPartition, spec kafka.OffsetSpec) (map[kafka.TopicPartition]int64, error)
}

// consumerGroups answers the groups and their consumers.
func (c *call) consumerGroups(ctx context.Context) (*Response, BodyFunc) {
	links := kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
	cid := c.cluster.ID()
	if c.route.Action == kafkarest.ListConsumerGroups {
		gs, err := c.cluster.ConsumerGroups(ctx)
		if err != nil {
			return c.fail(kafka.ClientError(err)), nil
		}
		ids := make([]string, len(gs))
		for i := range gs {
			ids[i] = gs[i].ID
		}
		show, err := c.visibleSet(ctx, kafkarest.OpDescribe, kafkarest.ResourceGroup, ids)
		if err != nil {
			return c.fail(kafka.ClientError(err)), nil
		}
		out := make([]kafkarest.ConsumerGroup, 0, len(show))
		for i := range gs {
			if show[gs[i].ID] {
				out = append(out, restGroup(&gs[i]))
			}
		}
		return c.groupsReply(links.ConsumerGroupList(cid, out)), nil
	}
	g, err := c.cluster.ConsumerGroup(ctx, c.route.Group)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	switch c.route.Action {
	case kafkarest.GetConsumerGroup:
		return c.groupsReply(links.ConsumerGroup(cid, restGroup(&g))), nil
	case kafkarest.ListGroupConsumers:
		out := make([]kafkarest.Consumer, len(g.Members))
		for i := range g.Members {
			out[i] = restConsumer(g.ID, &g.Members[i])
		}
		return c.groupsReply(links.ConsumerList(cid, g.ID, out)), nil
	default: // GetGroupConsumer
		m, err := groupMember(&g, c.route.Consumer)
		if err != nil {
			return c.fail(err), nil
		}
		return c.groupsReply(links.Consumer(cid, restConsumer(g.ID, m))), nil
	}
}

// groupMember finds a member of a group by its consumer id; an unknown one
// is 404/40403.
func groupMember(g *kafka.Group, consumerID string) (*kafka.GroupMember, error) {
	for i := range g.Members {
		if g.Members[i].ConsumerID == consumerID {
			return &g.Members[i], nil
		}
	}
	return nil, apierr.New(http.StatusNotFound, 40403,
		"Consumer %s cannot be found in consumer group %s.", consumerID, g.ID)
}

// groupsReply sends a rendered body, or the rendering error.
func (c *call) groupsReply(body []byte, err error) *Response {
	if err != nil {
		return c.fail(err)
	}
	return c.respond(http.StatusOK, body)
}

func restGroup(g *kafka.Group) kafkarest.ConsumerGroup {
	return kafkarest.ConsumerGroup{
		ID: g.ID, Simple: g.Simple, PartitionAssignor: g.PartitionAssignor,
		State: g.State, Type: g.Type, Coordinator: g.Coordinator,
	}
}

func restConsumer(group string, m *kafka.GroupMember) kafkarest.Consumer {
	return kafkarest.Consumer{GroupID: group, ConsumerID: m.ConsumerID, InstanceID: m.InstanceID, ClientID: m.ClientID}
}
