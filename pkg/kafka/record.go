package kafka

import ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

// toRecord converts a consumed message. The timestamp is set only when
// Kafka reports its type.
func toRecord(m *ck.Message) Record {
	r := Record{
		Topic: *m.TopicPartition.Topic, Partition: m.TopicPartition.Partition,
		Offset: int64(m.TopicPartition.Offset), Key: m.Key, Value: m.Value,
	}
	switch m.TimestampType {
	case ck.TimestampCreateTime:
		r.Timestamp, r.TimestampType = m.Timestamp, "CREATE_TIME"
	case ck.TimestampLogAppendTime:
		r.Timestamp, r.TimestampType = m.Timestamp, "LOG_APPEND_TIME"
	}
	if len(m.Headers) > 0 {
		r.Headers = make([]Header, len(m.Headers))
		for i, h := range m.Headers {
			r.Headers[i] = Header{Key: h.Key, Value: h.Value}
		}
	}
	return r
}

// recordSize counts what a record carries: key, value, header names and values.
func recordSize(r *Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
