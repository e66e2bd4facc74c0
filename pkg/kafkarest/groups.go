package kafkarest

import (
	"encoding/json"
	"strconv"
)

// ConsumerGroup is what a v3 consumer group resource is built from.
type ConsumerGroup struct {
	ID                string
	Simple            bool
	PartitionAssignor string
	State             string // STABLE, EMPTY, ...
	Type              string // CLASSIC, CONSUMER, UNKNOWN
	Coordinator       int32  // broker id
}

// Consumer is what a v3 consumer (a member of a group) is built from.
type Consumer struct {
	GroupID    string
	ConsumerID string
	InstanceID string // "": none (rendered null)
	ClientID   string
}

// ConsumerAssignment is a partition assigned to a consumer of a group.
type ConsumerAssignment struct {
	GroupID    string
	ConsumerID string
	Topic      string
	Partition  int32
}

// ConsumerLag is the lag of a group on one partition where it committed.
// The consumer fields name the member the partition is assigned to, or are
// empty when no member has it.
type ConsumerLag struct {
	GroupID       string
	Topic         string
	Partition     int32
	CurrentOffset int64
	LogEndOffset  int64
	Lag           int64
	ConsumerID    string
	InstanceID    string
	ClientID      string
}

// LagSummary is a group's largest lag (with its partition and consumer) and
// the sum of its lags.
type LagSummary struct {
	Max      ConsumerLag
	TotalLag int64
}

type consumerGroupData struct {
	Kind                 string   `json:"kind"`
	Metadata             metadata `json:"metadata"`
	ClusterID            string   `json:"cluster_id"`
	ConsumerGroupID      string   `json:"consumer_group_id"`
	IsSimple             bool     `json:"is_simple"`
	PartitionAssignor    string   `json:"partition_assignor"`
	State                string   `json:"state"`
	Type                 string   `json:"type"`
	IsMixedConsumerGroup bool     `json:"is_mixed_consumer_group"`
	Coordinator          related  `json:"coordinator"`
	Consumers            related  `json:"consumers"`
	LagSummary           related  `json:"lag_summary"`
}

type consumerData struct {
	Kind            string   `json:"kind"`
	Metadata        metadata `json:"metadata"`
	ClusterID       string   `json:"cluster_id"`
	ConsumerGroupID string   `json:"consumer_group_id"`
	ConsumerID      string   `json:"consumer_id"`
	InstanceID      *string  `json:"instance_id"`
	ClientID        string   `json:"client_id"`
	Assignments     related  `json:"assignments"`
}

type consumerAssignmentData struct {
	Kind            string   `json:"kind"`
	Metadata        metadata `json:"metadata"`
	ClusterID       string   `json:"cluster_id"`
	ConsumerGroupID string   `json:"consumer_group_id"`
	ConsumerID      string   `json:"consumer_id"`
	TopicName       string   `json:"topic_name"`
	PartitionID     int32    `json:"partition_id"`
	Partition       related  `json:"partition"`
	Lag             related  `json:"lag"`
}

type consumerLagData struct {
	Kind            string   `json:"kind"`
	Metadata        metadata `json:"metadata"`
	ClusterID       string   `json:"cluster_id"`
	ConsumerGroupID string   `json:"consumer_group_id"`
	TopicName       string   `json:"topic_name"`
	PartitionID     int32    `json:"partition_id"`
	CurrentOffset   int64    `json:"current_offset"`
	LogEndOffset    int64    `json:"log_end_offset"`
	Lag             int64    `json:"lag"`
	ConsumerID      string   `json:"consumer_id"`
	InstanceID      *string  `json:"instance_id"`
	ClientID        string   `json:"client_id"`
}

type lagSummaryData struct {
	Kind              string   `json:"kind"`
	Metadata          metadata `json:"metadata"`
	ClusterID         string   `json:"cluster_id"`
	ConsumerGroupID   string   `json:"consumer_group_id"`
	MaxLagConsumerID  string   `json:"max_lag_consumer_id"`
	MaxLagInstanceID  *string  `json:"max_lag_instance_id"`
	MaxLagClientID    string   `json:"max_lag_client_id"`
	MaxLagTopicName   string   `json:"max_lag_topic_name"`
	MaxLagPartitionID int32    `json:"max_lag_partition_id"`
	MaxLag            int64    `json:"max_lag"`
	TotalLag          int64    `json:"total_lag"`
	MaxLagConsumer    related  `json:"max_lag_consumer"`
	MaxLagPartition   related  `json:"max_lag_partition"`
}

// coordinator links a group's coordinator. The schema requires the link;
// when Kafka did not say which broker coordinates the group, it is the
// cluster's brokers, not a /brokers/-1 that does not exist.
func (l Links) coordinator(cid string, b int32) string {
	if b < 0 {
		return l.brokers(cid)
	}
	return l.broker(cid, b)
}

// maxLagConsumer links the consumer of the largest lag, or, when no member
// has its partition, the group's consumers (the schema requires the link).
func (l Links) maxLagConsumer(cid string, m ConsumerLag) string {
	if m.ConsumerID == "" {
		return l.consumers(cid, m.GroupID)
	}
	return l.consumer(cid, m.GroupID, m.ConsumerID)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (l Links) consumerGroupData(cid string, g ConsumerGroup) consumerGroupData {
	self := l.group(cid, g.ID)
	return consumerGroupData{
		Kind:              "KafkaConsumerGroup",
		Metadata:          metadata{Self: self, ResourceName: crn("kafka", cid, "consumer-group", g.ID)},
		ClusterID:         cid,
		ConsumerGroupID:   g.ID,
		IsSimple:          g.Simple,
		PartitionAssignor: g.PartitionAssignor,
		State:             g.State,
		Type:              g.Type,
		Coordinator:       related{l.coordinator(cid, g.Coordinator)},
		Consumers:         related{self + "/consumers"},
		LagSummary:        related{self + "/lag-summary"},
	}
}

func (l Links) consumerData(cid string, c Consumer) consumerData {
	self := l.consumer(cid, c.GroupID, c.ConsumerID)
	return consumerData{
		Kind:            "KafkaConsumer",
		Metadata:        metadata{Self: self, ResourceName: crn("kafka", cid, "consumer-group", c.GroupID, "consumer", c.ConsumerID)},
		ClusterID:       cid,
		ConsumerGroupID: c.GroupID,
		ConsumerID:      c.ConsumerID,
		InstanceID:      optional(c.InstanceID),
		ClientID:        c.ClientID,
		Assignments:     related{l.assignments(cid, c.GroupID, c.ConsumerID)},
	}
}

func (l Links) consumerAssignmentData(cid string, a ConsumerAssignment) consumerAssignmentData {
	return consumerAssignmentData{
		Kind: "KafkaConsumerAssignment",
		Metadata: metadata{
			Self: l.assignment(cid, a.GroupID, a.ConsumerID, a.Topic, a.Partition),
			ResourceName: crn("kafka", cid, "consumer-group", a.GroupID, "consumer", a.ConsumerID,
				"assignment", a.Topic, "partition", strconv.Itoa(int(a.Partition))),
		},
		ClusterID:       cid,
		ConsumerGroupID: a.GroupID,
		ConsumerID:      a.ConsumerID,
		TopicName:       a.Topic,
		PartitionID:     a.Partition,
		Partition:       related{l.partition(cid, a.Topic, a.Partition)},
		Lag:             related{l.lag(cid, a.GroupID, a.Topic, a.Partition)},
	}
}

func (l Links) consumerLagData(cid string, g ConsumerLag) consumerLagData {
	p := strconv.Itoa(int(g.Partition))
	return consumerLagData{
		Kind: "KafkaConsumerLag",
		Metadata: metadata{
			Self:         l.lag(cid, g.GroupID, g.Topic, g.Partition),
			ResourceName: crn("kafka", cid, "consumer-group", g.GroupID, "lag", g.Topic, "partition", p),
		},
		ClusterID:       cid,
		ConsumerGroupID: g.GroupID,
		TopicName:       g.Topic,
		PartitionID:     g.Partition,
		CurrentOffset:   g.CurrentOffset,
		LogEndOffset:    g.LogEndOffset,
		Lag:             g.Lag,
		ConsumerID:      g.ConsumerID,
		InstanceID:      optional(g.InstanceID),
		ClientID:        g.ClientID,
	}
}

// ConsumerGroupList renders GET /clusters/{id}/consumer-groups.
func (l Links) ConsumerGroupList(cid string, gs []ConsumerGroup) ([]byte, error) {
	return renderList("KafkaConsumerGroupList", l.groups(cid), gs, func(g *ConsumerGroup) consumerGroupData { return l.consumerGroupData(cid, *g) })
}

// ConsumerGroup renders GET /clusters/{id}/consumer-groups/{group}.
func (l Links) ConsumerGroup(cid string, g ConsumerGroup) ([]byte, error) {
	return json.Marshal(l.consumerGroupData(cid, g))
}

// ConsumerList renders GET .../consumer-groups/{group}/consumers.
func (l Links) ConsumerList(cid, group string, cs []Consumer) ([]byte, error) {
	return renderList("KafkaConsumerList", l.consumers(cid, group), cs, func(c *Consumer) consumerData { return l.consumerData(cid, *c) })
}

// Consumer renders GET .../consumer-groups/{group}/consumers/{consumer}.
func (l Links) Consumer(cid string, c Consumer) ([]byte, error) {
	return json.Marshal(l.consumerData(cid, c))
}

// ConsumerAssignmentList renders GET .../consumers/{consumer}/assignments.
func (l Links) ConsumerAssignmentList(cid, group, consumer string, as []ConsumerAssignment) ([]byte, error) {
	return renderList("KafkaConsumerAssignmentList", l.assignments(cid, group, consumer), as,
		func(a *ConsumerAssignment) consumerAssignmentData { return l.consumerAssignmentData(cid, *a) })
}

// ConsumerAssignment renders GET .../consumers/{consumer}/assignments/{topic}/partitions/{p}.
func (l Links) ConsumerAssignment(cid string, a ConsumerAssignment) ([]byte, error) {
	return json.Marshal(l.consumerAssignmentData(cid, a))
}

// ConsumerLagList renders GET .../consumer-groups/{group}/lags.
func (l Links) ConsumerLagList(cid, group string, lags []ConsumerLag) ([]byte, error) {
	return renderList("KafkaConsumerLagList", l.group(cid, group)+"/lags", lags, func(g *ConsumerLag) consumerLagData { return l.consumerLagData(cid, *g) })
}

// ConsumerLag renders GET .../consumer-groups/{group}/lags/{topic}/partitions/{p}.
func (l Links) ConsumerLag(cid string, g ConsumerLag) ([]byte, error) {
	return json.Marshal(l.consumerLagData(cid, g))
}

// LagSummary renders GET .../consumer-groups/{group}/lag-summary.
func (l Links) LagSummary(cid string, s LagSummary) ([]byte, error) {
	m := s.Max
	self := l.group(cid, m.GroupID)
	name := *crn("kafka", cid, "consumer-group", m.GroupID) + "/lag-summary"
	return json.Marshal(lagSummaryData{
		Kind:              "KafkaConsumerGroupLagSummary",
		Metadata:          metadata{Self: self + "/lag-summary", ResourceName: &name},
		ClusterID:         cid,
		ConsumerGroupID:   m.GroupID,
		MaxLagConsumerID:  m.ConsumerID,
		MaxLagInstanceID:  optional(m.InstanceID),
		MaxLagClientID:    m.ClientID,
		MaxLagTopicName:   m.Topic,
		MaxLagPartitionID: m.Partition,
		MaxLag:            m.Lag,
		TotalLag:          s.TotalLag,
		MaxLagConsumer:    related{l.maxLagConsumer(cid, m)},
		MaxLagPartition:   related{l.partition(cid, m.Topic, m.Partition)},
	})
}
