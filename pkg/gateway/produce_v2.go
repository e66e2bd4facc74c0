package gateway

import (
	"context"
	"net/http"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// senderCluster hands records to the producer without waiting for Kafka
// (the bridge's ?async=true).
type senderCluster interface {
	Send(ctx context.Context, msgs []kafka.Message) (int, error)
}

// beginProduceV2 serves the bridge's POST /topics/{t} and
// /topics/{t}/partitions/{p}: the media type names the embedded format, and
// ?async=true answers 204 once the records are queued in the producer.
func (c *call) beginProduceV2(ctx context.Context) (*Response, BodyFunc) {
	async, err := v2Async(c.route.Query.Get("async"))
	if err != nil {
		return c.fail(err), nil
	}
	return c.expectRecords(ctx, checkV2Produce, func(ctx context.Context, topic *kafka.TopicInfo, body []byte) *Response {
		return c.produceV2(ctx, topic, body, async)
	})
}

// checkV2Produce accepts the media types of the bridge's three formats.
func checkV2Produce(contentType string) error {
	_, err := kafkarest.V2ProduceFormat(contentType)
	return err
}

func v2Async(v string) (bool, error) {
	switch v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, apierr.BadRequest("async must be true or false, got %q", v)
}

// produceV2 writes the records of a bridge produce body, all or none as for
// v3: any bad record refuses the request.
func (c *call) produceV2(ctx context.Context, topic *kafka.TopicInfo, body []byte, async bool) *Response {
	records, err := c.parseV2Records(body)
	if err != nil {
		return c.fail(err)
	}
	if err := checkRecords(topic, records); err != nil {
		return c.fail(err)
	}
	if async {
		return c.sendAsync(ctx, records)
	}
	s, answered := c.deliver(ctx, records)
	if answered != nil {
		return answered
	}
	offsets := make([]kafkarest.V2Offset, len(s.deliveries))
	for i, d := range s.deliveries {
		offsets[i] = kafkarest.V2Offset{Partition: d.Partition, Offset: d.Offset, Err: s.errs[i]}
	}
	out, err := kafkarest.V2Offsets(offsets)
	if err != nil {
		return c.fail(err)
	}
	return c.respond(http.StatusOK, out)
}

// sendAsync asks the policy about the records, hands them to the producer
// and answers 204 without waiting for Kafka. A 204 cannot say which records
// were left out, so a decision that denies some records refuses them all.
func (c *call) sendAsync(ctx context.Context, records []kafkarest.Record) *Response {
	d, denial := c.authorizeRecords(ctx, records)
	if denial != nil {
		return denial
	}
	if first := firstDenied(&d); first != "" {
		for i, e := range recordDenials(&d, records) {
			if e != nil {
				c.g.opts.Metrics.Produced(c.cluster.Name(), c.topic, "denied", records[i].Size())
			}
		}
		return c.fail(apierr.New(http.StatusForbidden, 40301,
			"Record denied by policy (%s); with async=true no record is queued when one is denied.", first))
	}
	if refused := c.admitRecords(records); refused != nil {
		return refused
	}
	queued, err := c.cluster.Send(ctx, toMessages(c.topic, records, d.ID))
	c.refundUnwritten(records, func(i int) bool { return i < queued })
	for i := range queued {
		c.g.opts.Metrics.Produced(c.cluster.Name(), c.topic, "queued", records[i].Size())
	}
	switch {
	case err != nil && queued == 0:
		return c.fail(kafka.ClientError(err)) // nothing queued: safe to retry (Retry-After)
	case err != nil:
		// Some records are queued and will be written: a plain retry would
		// write them twice. Say which ones to send again, and no Retry-After.
		e := kafka.ClientError(err)
		return c.fail(apierr.New(e.Status, e.Code,
			"%d of %d records were queued and will be written; the others were not (%s). Send again only the records from index %d on.",
			queued, len(records), e.Message, queued).Wrap(err))
	}
	return c.respond(http.StatusNoContent, nil)
}

// parseV2Records parses a bridge produce body in the format its
// Content-Type names.
func (c *call) parseV2Records(body []byte) ([]kafkarest.Record, error) {
	format, err := kafkarest.V2ProduceFormat(c.req.Headers["content-type"])
	if err != nil {
		return nil, err
	}
	return kafkarest.ParseV2Produce(format, body, c.route.Partition, c.g.opts.MaxRecords)
}
