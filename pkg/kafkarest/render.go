package kafkarest

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/topicgate/topicgate/pkg/apierr"
)

type metadata struct {
	Self         string  `json:"self"`
	ResourceName *string `json:"resource_name,omitempty"`
}

type collectionMetadata struct {
	Self string  `json:"self"`
	Next *string `json:"next"`
}

type related struct {
	Related string `json:"related"`
}

func crn(parts ...string) *string {
	s := "crn://"
	for i := 0; i+1 < len(parts); i += 2 {
		s += "/" + parts[i] + "=" + parts[i+1]
	}
	return &s
}

// Cluster is what a v3 cluster resource is built from.
type Cluster struct {
	ID           string
	ControllerID int32 // -1: unknown
}

// Topic is what a v3 topic resource is built from.
type Topic struct {
	Name              string
	Internal          bool
	ReplicationFactor int
	Partitions        []Partition
}

// Partition is what a v3 partition resource is built from.
type Partition struct {
	ID     int32
	Leader int32 // -1: no leader
}

type clusterData struct {
	Kind                   string   `json:"kind"`
	Metadata               metadata `json:"metadata"`
	ClusterID              string   `json:"cluster_id"`
	Controller             *related `json:"controller,omitempty"`
	ACLs                   related  `json:"acls"`
	Brokers                related  `json:"brokers"`
	BrokerConfigs          related  `json:"broker_configs"`
	ConsumerGroups         related  `json:"consumer_groups"`
	Topics                 related  `json:"topics"`
	PartitionReassignments related  `json:"partition_reassignments"`
}

type topicData struct {
	Kind                   string   `json:"kind"`
	Metadata               metadata `json:"metadata"`
	ClusterID              string   `json:"cluster_id"`
	TopicName              string   `json:"topic_name"`
	IsInternal             bool     `json:"is_internal"`
	ReplicationFactor      int      `json:"replication_factor"`
	PartitionsCount        int      `json:"partitions_count"`
	Partitions             related  `json:"partitions"`
	Configs                related  `json:"configs"`
	PartitionReassignments related  `json:"partition_reassignments"`
}

type partitionData struct {
	Kind         string   `json:"kind"`
	Metadata     metadata `json:"metadata"`
	ClusterID    string   `json:"cluster_id"`
	TopicName    string   `json:"topic_name"`
	PartitionID  int32    `json:"partition_id"`
	Leader       *related `json:"leader,omitempty"`
	Replicas     related  `json:"replicas"`
	Reassignment related  `json:"reassignment"`
}

// renderList renders a v3 collection: its kind, its self link, and one
// item per element, never null.
func renderList[T, D any](kind, self string, items []T, item func(*T) D) ([]byte, error) {
	out := list[D]{Kind: kind, Metadata: collectionMetadata{Self: self}, Data: make([]D, 0, len(items))}
	for i := range items {
		out.Data = append(out.Data, item(&items[i]))
	}
	return json.Marshal(out)
}

type list[T any] struct {
	Kind     string             `json:"kind"`
	Metadata collectionMetadata `json:"metadata"`
	Data     []T                `json:"data"`
}

func (l Links) clusterData(c Cluster) clusterData {
	self := l.cluster(c.ID)
	d := clusterData{
		Kind:                   "KafkaCluster",
		Metadata:               metadata{Self: self, ResourceName: crn("kafka", c.ID)},
		ClusterID:              c.ID,
		ACLs:                   related{self + "/acls"},
		Brokers:                related{self + "/brokers"},
		BrokerConfigs:          related{self + "/broker-configs"},
		ConsumerGroups:         related{self + "/consumer-groups"},
		Topics:                 related{self + "/topics"},
		PartitionReassignments: related{self + "/topics/-/partitions/-/reassignment"},
	}
	if c.ControllerID >= 0 {
		d.Controller = &related{l.broker(c.ID, c.ControllerID)}
	}
	return d
}

func (l Links) topicData(cid string, t Topic) topicData {
	self := l.topic(cid, t.Name)
	return topicData{
		Kind:                   "KafkaTopic",
		Metadata:               metadata{Self: self, ResourceName: crn("kafka", cid, "topic", t.Name)},
		ClusterID:              cid,
		TopicName:              t.Name,
		IsInternal:             t.Internal,
		ReplicationFactor:      t.ReplicationFactor,
		PartitionsCount:        len(t.Partitions),
		Partitions:             related{self + "/partitions"},
		Configs:                related{self + "/configs"},
		PartitionReassignments: related{self + "/partitions/-/reassignment"},
	}
}

func (l Links) partitionData(cid, topic string, p Partition) partitionData {
	id := strconv.Itoa(int(p.ID))
	self := l.partition(cid, topic, p.ID)
	d := partitionData{
		Kind:         "KafkaPartition",
		Metadata:     metadata{Self: self, ResourceName: crn("kafka", cid, "topic", topic, "partition", id)},
		ClusterID:    cid,
		TopicName:    topic,
		PartitionID:  p.ID,
		Replicas:     related{self + "/replicas"},
		Reassignment: related{self + "/reassignment"},
	}
	if p.Leader >= 0 {
		d.Leader = &related{l.replica(cid, topic, p.ID, p.Leader)}
	}
	return d
}

// ClusterList renders GET /clusters.
func (l Links) ClusterList(cs []Cluster) ([]byte, error) {
	return renderList("KafkaClusterList", l.Base+"/clusters", cs, func(c *Cluster) clusterData { return l.clusterData(*c) })
}

// Cluster renders GET /clusters/{id}.
func (l Links) Cluster(c Cluster) ([]byte, error) { return json.Marshal(l.clusterData(c)) }

// TopicList renders GET /clusters/{id}/topics.
func (l Links) TopicList(cid string, ts []Topic) ([]byte, error) {
	return renderList("KafkaTopicList", l.topics(cid), ts, func(t *Topic) topicData { return l.topicData(cid, *t) })
}

// Topic renders GET /clusters/{id}/topics/{name}.
func (l Links) Topic(cid string, t Topic) ([]byte, error) { return json.Marshal(l.topicData(cid, t)) }

// PartitionList renders GET /clusters/{id}/topics/{name}/partitions.
func (l Links) PartitionList(cid string, t Topic) ([]byte, error) {
	return renderList("KafkaPartitionList", l.partitions(cid, t.Name), t.Partitions, func(p *Partition) partitionData { return l.partitionData(cid, t.Name, *p) })
}

// ProduceResult is the outcome of one record, rendered as a v3 delivery report.
type ProduceResult struct {
	ClusterID string
	Topic     string
	Record    *Record
	Partition int32
	Offset    int64
	Timestamp time.Time
	Err       *apierr.Error // nil: delivered
}

type produceData struct {
	Type *string `json:"type"`
	Size int     `json:"size"`
}

type produceResponse struct {
	ErrorCode   int          `json:"error_code"`
	Message     string       `json:"message,omitempty"`
	ClusterID   string       `json:"cluster_id,omitempty"`
	TopicName   string       `json:"topic_name,omitempty"`
	PartitionID *int32       `json:"partition_id,omitempty"`
	Offset      *int64       `json:"offset,omitempty"`
	Timestamp   *string      `json:"timestamp,omitempty"`
	Key         *produceData `json:"key,omitempty"`
	Value       *produceData `json:"value,omitempty"`
}

func dataSummary(d *Data) *produceData {
	if d == nil {
		return nil
	}
	t := d.Type
	return &produceData{Type: &t, Size: d.Size()}
}

// ProduceResults renders delivery reports, concatenated in record order as
// the v3 produce API does.
func ProduceResults(results []ProduceResult) ([]byte, error) {
	var buf []byte
	for i := range results {
		r := &results[i]
		var out produceResponse
		if r.Err != nil {
			out = produceResponse{ErrorCode: r.Err.Code, Message: r.Err.Message}
		} else {
			ts := r.Timestamp.UTC().Format(time.RFC3339Nano)
			out = produceResponse{
				ErrorCode: 200, ClusterID: r.ClusterID, TopicName: r.Topic,
				PartitionID: &r.Partition, Offset: &r.Offset, Timestamp: &ts,
				Key: dataSummary(r.Record.Key), Value: dataSummary(r.Record.Value),
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = append(buf, b...)
	}
	return buf, nil
}

type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// ErrorBody renders the error envelope {"error_code": N, "message": "..."}
// of the route's API. Confluent v3 uses its own codes (40403, 42206, ...);
// the Strimzi bridge's error_code is the HTTP status.
func ErrorBody(api string, e *apierr.Error) []byte {
	code := e.Code
	if api == "v2" {
		code = e.Status
	}
	b, _ := json.Marshal(errorBody{ErrorCode: code, Message: e.Message})
	return b
}
