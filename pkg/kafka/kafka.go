// Package kafka is topicgate's Kafka path: one long-lived client per cluster
// (an idempotent producer and an admin client sharing its connections), short
// cached metadata, and the table that maps Kafka errors to client errors.
package kafka

import "time"

// PartitionAny lets the producer's partitioner choose the partition.
const PartitionAny int32 = -1

// Message is a record to produce.
type Message struct {
	Topic     string
	Partition int32 // PartitionAny or an explicit partition
	Key       []byte
	Value     []byte
	Headers   []Header
	Timestamp time.Time // zero: the producer's clock
}

// Header is a record header.
type Header struct {
	Key   string
	Value []byte
}

// Delivery is the outcome of producing one Message. Err is nil when Kafka
// acknowledged the record (with the configured acks).
type Delivery struct {
	Partition int32
	Offset    int64
	Timestamp time.Time
	Err       error
}

// ClusterInfo describes a cluster.
type ClusterInfo struct {
	ID           string
	ControllerID int32 // -1 when unknown
	Brokers      []Broker
}

// Broker is a broker of a cluster.
type Broker struct {
	ID   int32
	Host string
	Port int
}

// TopicInfo describes a topic.
type TopicInfo struct {
	Name              string
	Internal          bool
	ReplicationFactor int
	Partitions        []PartitionInfo
	// Configs are the topic's configs, sorted by name, described once per
	// load of the topic and cached with it. Topic fills them; Topics does
	// not (TopicConfigs describes many topics' configs at once).
	Configs []ConfigEntry
	// MaxMessageBytes is the topic's max.message.bytes (from Configs): the
	// largest record batch the broker accepts for it. 0 when unknown.
	MaxMessageBytes int
}

// TopicPartition names a partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// PartitionInfo describes a partition.
type PartitionInfo struct {
	ID       int32
	Leader   int32 // -1: none
	Replicas []int32
	ISR      []int32
}

// HasPartition reports whether the topic has partition p.
func (t *TopicInfo) HasPartition(p int32) bool {
	for _, pi := range t.Partitions {
		if pi.ID == p {
			return true
		}
	}
	return false
}

// Record is a record read from Kafka.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte // nil: no key
	Value     []byte // nil: tombstone
	Headers   []Header
	Timestamp time.Time
	// TimestampType is "CREATE_TIME", "LOG_APPEND_TIME" or "" when unknown.
	TimestampType string
}
