package gateway

import (
	"context"
	"net/http"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// beginProduce serves POST .../records (v3: one record or several
// concatenated, streamed or not) and the bridge's POST /topics/{t} and
// /topics/{t}/partitions/{p} (v2).
func (c *call) beginProduce(ctx context.Context) (*Response, BodyFunc) {
	if c.route.API == "v2" {
		return c.beginProduceV2(ctx)
	}
	return c.expectRecords(ctx, kafkarest.CheckJSONContentType, c.produce)
}

// produce writes the records of a v3 produce body. Any bad record refuses the
// whole request, so nothing of it is written. A record the policy denies
// gets its own failed result (40301) while the others are written.
func (c *call) produce(ctx context.Context, topic *kafka.TopicInfo, body []byte) *Response {
	records, err := kafkarest.ParseProduce(body, c.g.opts.MaxRecords)
	if err != nil {
		return c.fail(err)
	}
	if err := checkRecords(topic, records); err != nil {
		return c.fail(err)
	}
	s, answered := c.deliver(ctx, records)
	if answered != nil {
		return answered
	}
	results := make([]kafkarest.ProduceResult, len(records))
	for i, d := range s.deliveries {
		results[i] = kafkarest.ProduceResult{
			ClusterID: c.cluster.ID(), Topic: topic.Name, Record: &records[i],
			Partition: d.Partition, Offset: d.Offset, Timestamp: d.Timestamp, Err: s.errs[i],
		}
	}
	body, err = kafkarest.ProduceResults(results)
	if err != nil {
		return c.fail(err)
	}
	return c.respond(http.StatusOK, body)
}
