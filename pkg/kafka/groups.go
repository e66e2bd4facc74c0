package kafka

import (
	"context"
	"fmt"
	"sort"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Group describes a consumer group.
type Group struct {
	ID                string
	Simple            bool
	PartitionAssignor string
	// State is Confluent's name of the group state: STABLE, EMPTY,
	// PREPARING_REBALANCE, COMPLETING_REBALANCE, DEAD or UNKNOWN.
	State string
	// Type is CLASSIC, CONSUMER or UNKNOWN.
	Type        string
	Coordinator int32 // -1: unknown
	Members     []GroupMember
}

// GroupMember is a member of a consumer group.
type GroupMember struct {
	ConsumerID string
	InstanceID string // "": a dynamic member
	ClientID   string
	Host       string
	Assignment []TopicPartition
}

// GroupOffset is an offset committed by a consumer group.
type GroupOffset struct {
	Topic     string
	Partition int32
	Offset    int64
	Metadata  string
}

// ConsumerGroups describes every consumer group of the cluster, sorted by id.
func (c *Client) ConsumerGroups(ctx context.Context) ([]Group, error) {
	ids, err := c.listGroupIDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []Group{}, nil
	}
	descs, err := c.describeGroups(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Group, 0, len(descs))
	for i := range descs {
		d := &descs[i]
		if d.Error.Code() != ck.ErrNoError || d.State == ck.ConsumerGroupStateDead {
			continue // deleted between the two calls: leave it out
		}
		out = append(out, toGroup(d))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ConsumerGroup describes one consumer group. Kafka describes a group it does
// not know as dead and empty; that is an ErrGroupIDNotFound error here, which
// ClientError maps to 404.
func (c *Client) ConsumerGroup(ctx context.Context, id string) (Group, error) {
	descs, err := c.describeGroups(ctx, []string{id})
	if err != nil {
		return Group{}, err
	}
	if len(descs) != 1 {
		return Group{}, fmt.Errorf("describe group %s: %d results", id, len(descs))
	}
	d := &descs[0]
	if d.Error.Code() != ck.ErrNoError {
		return Group{}, d.Error
	}
	if d.State == ck.ConsumerGroupStateDead {
		return Group{}, ck.NewError(ck.ErrGroupIDNotFound, "consumer group "+id+" is dead or unknown", false)
	}
	return toGroup(d), nil
}

func (c *Client) listGroupIDs(ctx context.Context) ([]string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.ListConsumerGroups(ctx, ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
	if err != nil {
		return nil, err
	}
	if len(res.Errors) > 0 { // some broker did not answer: a partial list would mislead
		return nil, res.Errors[0]
	}
	ids := make([]string, 0, len(res.Valid))
	for _, g := range res.Valid {
		ids = append(ids, g.GroupID)
	}
	return ids, nil
}

func (c *Client) describeGroups(ctx context.Context, ids []string) ([]ck.ConsumerGroupDescription, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.DescribeConsumerGroups(ctx, ids, ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
	if err != nil {
		return nil, err
	}
	return res.ConsumerGroupDescriptions, nil
}

func toGroup(d *ck.ConsumerGroupDescription) Group {
	g := Group{
		ID: d.GroupID, Simple: d.IsSimpleConsumerGroup, PartitionAssignor: d.PartitionAssignor,
		State: groupState(d.State), Type: groupType(d.Type), Coordinator: int32(d.Coordinator.ID),
	}
	if d.Coordinator.ID < 0 {
		g.Coordinator = -1
	}
	for _, m := range d.Members {
		gm := GroupMember{ConsumerID: m.ConsumerID, InstanceID: m.GroupInstanceID, ClientID: m.ClientID, Host: m.Host}
		for _, tp := range m.Assignment.TopicPartitions {
			if tp.Topic != nil {
				gm.Assignment = append(gm.Assignment, TopicPartition{Topic: *tp.Topic, Partition: tp.Partition})
			}
		}
		g.Members = append(g.Members, gm)
	}
	sort.Slice(g.Members, func(i, j int) bool { return g.Members[i].ConsumerID < g.Members[j].ConsumerID })
	return g
}

// groupState names a state as Confluent's v3 API does.
func groupState(s ck.ConsumerGroupState) string {
	switch s {
	case ck.ConsumerGroupStateStable:
		return "STABLE"
	case ck.ConsumerGroupStateEmpty:
		return "EMPTY"
	case ck.ConsumerGroupStatePreparingRebalance:
		return "PREPARING_REBALANCE"
	case ck.ConsumerGroupStateCompletingRebalance:
		return "COMPLETING_REBALANCE"
	case ck.ConsumerGroupStateDead:
		return "DEAD"
	}
	return "UNKNOWN"
}

func groupType(t ck.ConsumerGroupType) string {
	switch t {
	case ck.ConsumerGroupTypeClassic:
		return "CLASSIC"
	case ck.ConsumerGroupTypeConsumer:
		return "CONSUMER"
	}
	return "UNKNOWN"
}

// GroupOffsets returns the offsets a group has committed, on every topic, or
// only on topic when it is not "". A group that never committed (or does not
// exist) has none. The result is sorted by topic and partition.
func (c *Client) GroupOffsets(ctx context.Context, group, topic string) ([]GroupOffset, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.ListConsumerGroupOffsets(ctx,
		[]ck.ConsumerGroupTopicPartitions{{Group: group}}, // no partitions: all of them
		ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
	if err != nil {
		return nil, err
	}
	out := []GroupOffset{}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if tp.Topic == nil || (topic != "" && *tp.Topic != topic) {
				continue
			}
			if tp.Error != nil {
				return nil, tp.Error
			}
			if tp.Offset < 0 { // no committed offset
				continue
			}
			o := GroupOffset{Topic: *tp.Topic, Partition: tp.Partition, Offset: int64(tp.Offset)}
			if tp.Metadata != nil {
				o.Metadata = *tp.Metadata
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out, nil
}

// CommitGroupOffsets commits offsets for a group from outside it. Kafka
// accepts this only while the group has no active member; otherwise the
// partitions fail with ErrUnknownMemberID (or ErrRebalanceInProgress), which
// ClientError maps to 409. The first partition error is returned.
func (c *Client) CommitGroupOffsets(ctx context.Context, group string, offsets []GroupOffset) error {
	tps := make([]ck.TopicPartition, len(offsets))
	for i, o := range offsets {
		tps[i] = ck.TopicPartition{Topic: &offsets[i].Topic, Partition: o.Partition, Offset: ck.Offset(o.Offset)}
		if o.Metadata != "" {
			tps[i].Metadata = &offsets[i].Metadata
		}
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.AlterConsumerGroupOffsets(ctx,
		[]ck.ConsumerGroupTopicPartitions{{Group: group, Partitions: tps}},
		ck.SetAdminRequestTimeout(c.opts.RequestTimeout))
	if err != nil {
		return err
	}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if tp.Error != nil {
				return tp.Error
			}
		}
	}
	return nil
}
