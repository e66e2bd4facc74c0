package kafka

import (
	"context"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"
)

// toKafka converts m for the producer. A message without a timestamp gets
// now, what librdkafka would use, made visible to the caller.
func toKafka(m *Message, now time.Time, opaque int) *ck.Message {
	if m.Timestamp.IsZero() {
		m.Timestamp = now
	}
	km := &ck.Message{
		TopicPartition: ck.TopicPartition{Topic: &m.Topic, Partition: m.Partition},
		Key:            m.Key,
		Value:          m.Value,
		Timestamp:      m.Timestamp,
		Opaque:         opaque,
	}
	if len(m.Headers) > 0 {
		km.Headers = make([]ck.Header, len(m.Headers))
		for j, h := range m.Headers {
			km.Headers[j] = ck.Header{Key: h.Key, Value: h.Value}
		}
	}
	return km
}

// Send hands msgs to the producer and returns without waiting for Kafka (the
// bridge's async produce). It returns how many messages are in the
// producer's queue, in order: they are written, retried or fail later, and a
// failure is only logged. When the queue is full, Send waits for room until
// ctx ends; then it returns the count queued so far and the error.
func (c *Client) Send(ctx context.Context, msgs []Message) (int, error) {
	ch := make(chan ck.Event, len(msgs)) // room for every report: the poller never blocks
	now := time.Now()
	queued := 0
	var err error
	for i := 0; i < len(msgs); {
		err = c.producer.Produce(toKafka(&msgs[i], now, i), ch)
		if err == nil {
			queued++
			i++
			continue
		}
		if ke, ok := err.(ck.Error); !ok || ke.Code() != ck.ErrQueueFull {
			break
		}
		select { // the queue drains as Kafka acknowledges: try again shortly
		case <-ctx.Done():
		case <-time.After(queueFullRetry):
			continue
		}
		break
	}
	go c.logFailedSends(ch, queued)
	return queued, err
}

// queueFullRetry is how long Send waits before retrying a full queue.
const queueFullRetry = 10 * time.Millisecond

// logFailedSends reads the n delivery reports of a Send and logs failures.
func (c *Client) logFailedSends(ch <-chan ck.Event, n int) {
	for n > 0 {
		m, ok := (<-ch).(*ck.Message)
		if !ok {
			continue
		}
		n--
		if err := m.TopicPartition.Error; err != nil {
			topic := ""
			if m.TopicPartition.Topic != nil {
				topic = *m.TopicPartition.Topic
			}
			c.log.Warn("record sent without waiting was not written", zap.String("topic", topic),
				zap.Int32("partition", m.TopicPartition.Partition), zap.Error(err))
		}
	}
}
