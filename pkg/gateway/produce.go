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

// recordOverhead estimates the bytes a record batch adds around one record
// (61 bytes of batch header, plus the record's own varints), so a record that
// cannot fit the topic's max.message.bytes is refused before anything is sent.
const recordOverhead = 61 + 24

// ackMargin is how much longer than the producer's own timeout a request
// waits, so librdkafka's timeout (with its precise error) fires first.
const ackMargin = time.Second

// beginProduce checks what can be checked before the body is read: media
// type, declared size, the topic's existence. Then it asks for the body.
func (c *call) beginProduce(ctx context.Context) (*Response, BodyFunc) {
	if c.route.API == "v2" {
		return c.fail(errNotImplemented), nil
	}
	if err := kafkarest.CheckJSONContentType(c.req.Headers["content-type"]); err != nil {
		return c.fail(err), nil
	}
	if cl := c.req.Headers["content-length"]; cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n > c.g.opts.MaxBodyBytes {
			return c.fail(c.bodyTooLarge(n)), nil
		}
	}
	if c.req.EndOfStream {
		return c.fail(apierr.EmptyBody), nil
	}
	topic, err := c.cluster.Topic(ctx, c.route.Topic)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	return nil, func(ctx context.Context, body []byte) *Response {
		return c.produce(ctx, &topic, body)
	}
}

// produce validates every record, asks the policy about all of them, then
// writes them and waits for Kafka. A request that fails validation writes
// nothing.
func (c *call) produce(ctx context.Context, topic *kafka.TopicInfo, body []byte) *Response {
	if len(body) > c.g.opts.MaxBodyBytes {
		return c.fail(apierr.New(http.StatusRequestEntityTooLarge, 413,
			"The request body exceeds the gateway's limit of %d bytes.", c.g.opts.MaxBodyBytes))
	}
	records, err := kafkarest.ParseProduce(body, c.g.opts.MaxRecords)
	if err != nil {
		return c.fail(err)
	}
	for i := range records {
		r := &records[i]
		if r.Partition != nil && !topic.HasPartition(*r.Partition) {
			return c.fail(apierr.New(http.StatusNotFound, 40403,
				"This server does not host this topic-partition: record %d asks for partition %d of %s, which has %d.",
				i, *r.Partition, topic.Name, len(topic.Partitions)))
		}
		if size := r.Size() + recordOverhead + 8*len(r.Headers); topic.MaxMessageBytes > 0 && size > topic.MaxMessageBytes {
			return c.fail(apierr.New(http.StatusRequestEntityTooLarge, 413,
				"The request included a message larger than the maximum message size the server can accept: record %d needs about %d bytes; topic %s accepts %d (max.message.bytes).",
				i, size, topic.Name, topic.MaxMessageBytes))
		}
	}
	if d := c.decide(ctx, c.recordsInput(records)); !d.Allow {
		return c.deny(d)
	}

	msgs := make([]kafka.Message, len(records))
	for i := range records {
		msgs[i] = toMessage(topic.Name, &records[i])
	}
	ctx, cancel := context.WithTimeout(ctx, c.g.opts.ProduceTimeout+ackMargin)
	defer cancel()
	start := time.Now()
	deliveries := c.cluster.Produce(ctx, msgs)
	c.g.opts.Metrics.ProduceLatency(c.cluster.Name(), time.Since(start))
	return c.produceResponse(topic.Name, records, deliveries)
}

// produceResponse renders one delivery report per record. If every record
// failed, the request fails with the first record's error, so clients and
// Envoy retry policies see the status (429, 503, 504) and Retry-After.
func (c *call) produceResponse(topic string, records []kafkarest.Record, deliveries []kafka.Delivery) *Response {
	results := make([]kafkarest.ProduceResult, len(records))
	var firstErr *apierr.Error
	failed := 0
	for i, d := range deliveries {
		res := kafkarest.ProduceResult{
			ClusterID: c.cluster.ID(), Topic: topic, Record: &records[i],
			Partition: d.Partition, Offset: d.Offset, Timestamp: d.Timestamp,
		}
		outcome := "ok"
		if d.Err != nil {
			res.Err = kafka.ClientError(d.Err)
			outcome = strconv.Itoa(res.Err.Code)
			failed++
			if firstErr == nil {
				firstErr = res.Err
			}
		}
		c.g.opts.Metrics.Produced(c.cluster.Name(), topic, outcome, records[i].Size())
		results[i] = res
	}
	if failed == len(records) {
		return c.fail(firstErr)
	}
	body, err := kafkarest.ProduceResults(results)
	if err != nil {
		return c.fail(err)
	}
	return c.respond(http.StatusOK, body)
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

// beginProduceBatch serves records:batch.
func (c *call) beginProduceBatch(ctx context.Context) (*Response, BodyFunc) {
	return c.fail(errNotImplemented), nil
}
