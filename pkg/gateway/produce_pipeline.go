package gateway

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// The produce pipeline, shared by v3 records, v3 records:batch and v2:
// expectRecords (before the body) -> parse (per API) -> checkRecord ->
// deliver: send (records-phase policy and its per-record verdicts, then
// Kafka) -> render (per API). produce_policy.go holds what the records-phase
// decision does to the records.

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
	t, err := c.topicInfo(ctx)
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

// checkRecord checks that the record does not carry topicgate's own
// header, that its partition exists and that its estimated size (with the
// decision-id header topicgate adds) fits the topic's max.message.bytes.
// label names the record in the message.
func checkRecord(topic *kafka.TopicInfo, r *kafkarest.Record, label string) *apierr.Error {
	if err := checkNoDecisionHeader(r, label); err != nil {
		return err
	}
	if r.Partition != nil && !topic.HasPartition(*r.Partition) {
		return apierr.UnknownPartition(topic.Name, *r.Partition, len(topic.Partitions), label)
	}
	if size := r.Size() + recordOverhead + decisionHeaderBytes + 8*len(r.Headers); topic.MaxMessageBytes > 0 && size > topic.MaxMessageBytes {
		return apierr.New(http.StatusRequestEntityTooLarge, 413,
			"The request included a message larger than the maximum message size the server can accept: %s needs about %d bytes; topic %s accepts %d (max.message.bytes).",
			label, size, topic.Name, topic.MaxMessageBytes)
	}
	return nil
}

// authorizeRecords asks the policy about the records (phase records). It
// returns the allowing decision, or the denial to send.
func (c *call) authorizeRecords(ctx context.Context, records []kafkarest.Record) (policy.Decision, *Response) {
	if rd := c.request; rd.Allow && rd.RecordsBlind {
		// The policy reads nothing of the records phase: it would answer
		// what it answered at the headers, which then admits the records.
		return rd, nil
	}
	d := c.decide(ctx, c.recordsInput(records))
	if !d.Allow {
		return d, c.deny(d)
	}
	return d, nil
}

// sent is what became of each record of a produce, in request order.
type sent struct {
	deliveries []kafka.Delivery // where errs[i] is nil
	errs       []*apierr.Error  // nil: written
	denied     []bool           // refused by the records-phase decision (errs[i] says why)
}

// send asks the policy about the records, then writes those it admitted,
// each with the decision's id, and waits for Kafka. It returns what became
// of each record, or the denial of the whole request.
func (c *call) send(ctx context.Context, records []kafkarest.Record) (sent, *Response) {
	d, denial := c.authorizeRecords(ctx, records)
	if denial != nil {
		return sent{}, denial
	}
	s := sent{deliveries: make([]kafka.Delivery, len(records)), errs: recordDenials(&d, records)}
	s.denied = make([]bool, len(records))
	msgs := make([]kafka.Message, 0, len(records))
	at := make([]int, 0, len(records)) // record index of each message
	for i := range records {
		if s.errs[i] != nil {
			s.denied[i] = true
			c.g.opts.Metrics.Produced(c.cluster.Name(), c.topic, "denied", records[i].Size())
			continue
		}
		msgs = append(msgs, toMessage(c.topic, &records[i], d.ID))
		at = append(at, i)
	}
	if len(msgs) == 0 {
		return s, nil
	}
	// Limits, schema and quota apply to the records that would be written.
	kept := records
	if len(at) < len(records) {
		kept = make([]kafkarest.Record, len(at))
		for j, i := range at {
			kept[j] = records[i]
		}
	}
	if refused := c.admitRecords(kept); refused != nil {
		return sent{}, refused
	}
	ctx, cancel := context.WithTimeout(ctx, c.g.opts.ProduceTimeout+ackMargin)
	defer cancel()
	start := time.Now()
	deliveries := c.cluster.Produce(ctx, msgs)
	c.g.opts.Metrics.ProduceLatency(c.cluster.Name(), time.Since(start))
	c.refundUnwritten(kept, func(j int) bool { return deliveries[j].Err == nil })
	for j, del := range deliveries {
		i := at[j]
		s.deliveries[i] = del
		outcome := "ok"
		if del.Err != nil {
			s.errs[i] = kafka.ClientError(del.Err)
			outcome = strconv.Itoa(s.errs[i].Code)
		}
		c.g.opts.Metrics.Produced(c.cluster.Name(), c.topic, outcome, records[i].Size())
	}
	return s, nil
}

// deliver sends records (records-phase policy, then Kafka). If no record
// was written, the request fails, so clients and Envoy retry policies see
// the status (429, 503, 504) and Retry-After rather than a 200: with the
// first Kafka error if there is one (a retry may then succeed), else with
// the first record's denial. The answer is then non-nil.
func (c *call) deliver(ctx context.Context, records []kafkarest.Record) (sent, *Response) {
	s, denial := c.send(ctx, records)
	if denial != nil {
		return s, denial
	}
	firstKafka, firstDenial := -1, -1
	for i, e := range s.errs {
		switch {
		case e == nil:
			return s, nil // something was written: one result per record
		case s.denied[i] && firstDenial < 0:
			firstDenial = i
		case !s.denied[i] && firstKafka < 0:
			firstKafka = i
		}
	}
	switch {
	case firstKafka >= 0:
		return s, c.fail(s.errs[firstKafka])
	case firstDenial >= 0:
		return s, c.fail(s.errs[firstDenial])
	}
	return s, nil // no records
}

func toMessages(topic string, records []kafkarest.Record, decisionID string) []kafka.Message {
	msgs := make([]kafka.Message, len(records))
	for i := range records {
		msgs[i] = toMessage(topic, &records[i], decisionID)
	}
	return msgs
}

// toMessage is the Kafka message of a record, with the client's headers
// and then topicgate's decision-id header.
func toMessage(topic string, r *kafkarest.Record, decisionID string) kafka.Message {
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
	m.Headers = make([]kafka.Header, len(r.Headers), len(r.Headers)+1)
	for i, h := range r.Headers {
		m.Headers[i] = kafka.Header{Key: h.Name, Value: h.Value}
	}
	m.Headers = append(m.Headers, kafka.Header{Key: DecisionIDHeader, Value: []byte(decisionID)})
	return m
}
