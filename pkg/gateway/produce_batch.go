package gateway

import (
	"context"
	"net/http"
	"strconv"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// beginProduceBatch serves POST .../records:batch.
func (c *call) beginProduceBatch(ctx context.Context) (*Response, BodyFunc) {
	return c.expectRecords(ctx, kafkarest.CheckJSONContentType, c.produceBatch)
}

// produceBatch writes the valid entries of a batch and answers 207 with a
// success or a failure per entry. A batch that is unusable as a whole
// (kafkarest.ParseBatch) and a records-phase denial refuse the request, and
// nothing is written. An entry that is invalid in itself (its data, its
// partition, its size) or that the policy denies (denied_records) is a
// failure of its own and is not written; the other entries are. The answer
// is 207 even when no entry was written.
func (c *call) produceBatch(ctx context.Context, topic *kafka.TopicInfo, body []byte) *Response {
	entries, err := kafkarest.ParseBatch(body, c.g.opts.MaxRecords)
	if err != nil {
		return c.fail(err)
	}
	results := make([]kafkarest.BatchResult, len(entries))
	var valid []kafkarest.Record
	var validAt []int // entry index of each valid record
	for i := range entries {
		e := &entries[i]
		results[i] = kafkarest.BatchResult{ID: e.ID, ProduceResult: kafkarest.ProduceResult{
			ClusterID: c.cluster.ID(), Topic: topic.Name, Record: &e.Record, Err: e.Err,
		}}
		if e.Err == nil {
			results[i].Err = checkRecord(topic, &e.Record, "entry "+strconv.Quote(e.ID))
		}
		if results[i].Err == nil {
			valid = append(valid, e.Record)
			validAt = append(validAt, i)
		}
	}
	if len(valid) > 0 {
		s, denial := c.send(ctx, valid)
		if denial != nil {
			return denial
		}
		for j, d := range s.deliveries {
			r := &results[validAt[j]]
			r.Partition, r.Offset, r.Timestamp, r.Err = d.Partition, d.Offset, d.Timestamp, s.errs[j]
		}
	}
	out, err := kafkarest.ProduceBatchResults(results)
	if err != nil {
		return c.fail(err)
	}
	return c.respond(http.StatusMultiStatus, out)
}
