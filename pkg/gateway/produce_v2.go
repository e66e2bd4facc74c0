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
	Send(msgs []kafka.Message) error
}

// beginProduceV2 serves the bridge's POST /topics/{t} and
// /topics/{t}/partitions/{p}: the media type names the embedded format, and
// ?async=true answers 204 once the records are queued in the producer.
func (c *call) beginProduceV2(ctx context.Context) (*Response, BodyFunc) {
	async, err := v2Async(c.route.Query.Get("async"))
	if err != nil {
		return c.fail(err), nil
	}
	check := func(contentType string) error {
		_, err := kafkarest.V2ProduceFormat(contentType)
		return err
	}
	return c.expectRecords(ctx, check, func(ctx context.Context, topic *kafka.TopicInfo, body []byte) *Response {
		return c.produceV2(ctx, topic, body, async)
	})
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
	format, err := kafkarest.V2ProduceFormat(c.req.Headers["content-type"])
	if err != nil {
		return c.fail(err)
	}
	records, err := kafkarest.ParseV2Produce(format, body, c.route.Partition, c.g.opts.MaxRecords)
	if err != nil {
		return c.fail(err)
	}
	if err := checkRecords(topic, records); err != nil {
		return c.fail(err)
	}
	if async {
		return c.sendAsync(ctx, topic, records)
	}
	deliveries, denied := c.send(ctx, topic, records)
	if denied != nil {
		return denied
	}
	errs, firstErr := c.deliveryErrors(topic.Name, records, deliveries)
	if firstErr != nil && allFailed(errs) {
		return c.fail(firstErr)
	}
	offsets := make([]kafkarest.V2Offset, len(deliveries))
	for i, d := range deliveries {
		offsets[i] = kafkarest.V2Offset{Partition: d.Partition, Offset: d.Offset, Err: errs[i]}
	}
	out, err := kafkarest.V2Offsets(offsets)
	if err != nil {
		return c.fail(err)
	}
	return c.respond(http.StatusOK, out)
}

// sendAsync asks the policy about the records, hands them to the producer
// and answers 204 without waiting for Kafka.
func (c *call) sendAsync(ctx context.Context, topic *kafka.TopicInfo, records []kafkarest.Record) *Response {
	if denied := c.authorizeRecords(ctx, records); denied != nil {
		return denied
	}
	if err := c.cluster.Send(toMessages(topic.Name, records)); err != nil {
		return c.fail(kafka.ClientError(err))
	}
	for i := range records {
		c.g.opts.Metrics.Produced(c.cluster.Name(), topic.Name, "queued", records[i].Size())
	}
	resp := c.respond(http.StatusNoContent, nil)
	delete(resp.Headers, "content-type")
	return resp
}
