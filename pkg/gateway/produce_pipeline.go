package gateway

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// The produce pipeline, shared by v3 records, v3 records:batch and v2:
// expectRecords (before the body) -> parse (per API) -> checkRecord ->
// deliver: send (records-phase policy, then Kafka) -> deliveryErrors -> render (per API).

// recordOverhead estimates the bytes a record batch adds around one record
// (61 bytes of batch header, plus the record's own varints), so a record that
// cannot fit the topic's max.message.bytes is refused before anything is sent.
const recordOverhead = 61 + 24

// ackMargin is how much longer than the producer's own timeout a request
// waits, so librdkafka's timeout (with its precise error) fires first.
const ackMargin = time.Second

// expectRecords checks what can be checked before a produce body is read:
// media type, declared size, presence (expectBody), then that the topic
// exists and, for a route naming a partition, that the partition does. A
// request for an unknown topic is refused without uploading its body.
func (c *call) expectRecords(ctx context.Context, check bodyCheck, fn func(context.Context, *kafka.TopicInfo, []byte) *Response) (*Response, BodyFunc) {
	var topic kafka.TopicInfo
	resp, next := c.expectBody(ctx, check, false, func(ctx context.Context, body []byte) *Response {
		if refused := c.refuseBody(topic.Name, len(body)); refused != nil {
			return refused
		}
		return fn(ctx, &topic, body)
	})
	if next == nil {
		return resp, nil
	}
	t, err := c.cluster.Topic(ctx, c.route.Topic)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	if p := c.route.Partition; p != nil && !t.HasPartition(*p) {
		return c.fail(apierr.UnknownPartition(t.Name, *p, len(t.Partitions), "")), nil
	}
	if refused := c.refuseDeclaredBody(t.Name); refused != nil {
		return refused, nil
	}
	topic = t
	return nil, next
}

// checkRecords checks every record against its topic; the first problem
// refuses the request.
func checkRecords(topic *kafka.TopicInfo, records []kafkarest.Record) *apierr.Error {
	for i := range records {
		if err := checkRecord(topic, &records[i], "record "+strconv.Itoa(records[i].Index)); err != nil {
			return err
		}
	}
	return nil
}

// checkRecord checks that the record's partition exists and that its
// estimated size fits the topic's max.message.bytes. label names the record
// in the message.
func checkRecord(topic *kafka.TopicInfo, r *kafkarest.Record, label string) *apierr.Error {
	if r.Partition != nil && !topic.HasPartition(*r.Partition) {
		return apierr.UnknownPartition(topic.Name, *r.Partition, len(topic.Partitions), label)
	}
	if size := r.Size() + recordOverhead + 8*len(r.Headers); topic.MaxMessageBytes > 0 && size > topic.MaxMessageBytes {
		return apierr.New(http.StatusRequestEntityTooLarge, 413,
			"The request included a message larger than the maximum message size the server can accept: %s needs about %d bytes; topic %s accepts %d (max.message.bytes).",
			label, size, topic.Name, topic.MaxMessageBytes)
	}
	return nil
}

// authorizeRecords asks the policy about the records (phase records). It
// returns the denial to send, or nil when allowed.
func (c *call) authorizeRecords(ctx context.Context, records []kafkarest.Record) *Response {
	if d := c.decide(ctx, c.recordsInput(records)); !d.Allow {
		return c.deny(d)
	}
	return nil
}

// send asks the policy about the records, then writes them and waits for
// Kafka. It returns one delivery per record, in order, or the denial.
func (c *call) send(ctx context.Context, topic *kafka.TopicInfo, records []kafkarest.Record) ([]kafka.Delivery, *Response) {
	if denied := c.authorizeRecords(ctx, records); denied != nil {
		return nil, denied
	}
	if refused := c.admitRecords(topic, records); refused != nil {
		return nil, refused
	}
	ctx, cancel := context.WithTimeout(ctx, c.g.opts.ProduceTimeout+ackMargin)
	defer cancel()
	start := time.Now()
	deliveries := c.cluster.Produce(ctx, toMessages(topic.Name, records))
	c.g.opts.Metrics.ProduceLatency(c.cluster.Name(), time.Since(start))
	c.refundUnwritten(records, func(i int) bool { return deliveries[i].Err == nil })
	return deliveries, nil
}

// deliveryErrors maps each delivery to the client's error (nil: written)
// and counts each record in the metrics.
func (c *call) deliveryErrors(topic string, records []kafkarest.Record, deliveries []kafka.Delivery) []*apierr.Error {
	errs := make([]*apierr.Error, len(deliveries))
	for i, d := range deliveries {
		outcome := "ok"
		if d.Err != nil {
			errs[i] = kafka.ClientError(d.Err)
			outcome = strconv.Itoa(errs[i].Code)
		}
		c.g.opts.Metrics.Produced(c.cluster.Name(), topic, outcome, records[i].Size())
	}
	return errs
}

// deliver sends records (records-phase policy, then Kafka) and maps their
// deliveries. If no record was written, the request fails with the first
// record's error, so clients and Envoy retry policies see the status (429,
// 503, 504) and Retry-After rather than a 200; the answer is then non-nil.
func (c *call) deliver(ctx context.Context, topic *kafka.TopicInfo, records []kafkarest.Record) ([]kafka.Delivery, []*apierr.Error, *Response) {
	deliveries, denied := c.send(ctx, topic, records)
	if denied != nil {
		return nil, nil, denied
	}
	errs := c.deliveryErrors(topic.Name, records, deliveries)
	for _, e := range errs {
		if e == nil {
			return deliveries, errs, nil
		}
	}
	if len(errs) == 0 {
		return deliveries, errs, nil
	}
	return nil, nil, c.fail(errs[0])
}

func toMessages(topic string, records []kafkarest.Record) []kafka.Message {
	msgs := make([]kafka.Message, len(records))
	for i := range records {
		msgs[i] = toMessage(topic, &records[i])
	}
	return msgs
}

func toMessage(topic string, r *kafkarest.Record) kafka.Message {
	m := kafka.Message{Topic: topic, Partition: kafka.PartitionAny}
	if r.Partition != nil {
		m.Partition = *r.Partition
	}
	if r.Timestamp != nil {
		m.Timestamp = *r.Timestamp
	}
	if r.Key != nil {
		m.Key = r.Key.Bytes
	}
	if r.Value != nil {
		m.Value = r.Value.Bytes
	}
	if len(r.Headers) > 0 {
		m.Headers = make([]kafka.Header, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = kafka.Header{Key: h.Name, Value: h.Value}
		}
	}
	return m
}
