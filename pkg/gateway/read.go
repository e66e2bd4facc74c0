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

// readerCluster is what stateless reads need of a cluster.
type readerCluster interface {
	Read(ctx context.Context, req kafka.ReadRequest) (kafka.ReadResult, error)
}

// ReadLimits cap what one read may ask for. A request may ask for less;
// asking for more gets the cap.
type ReadLimits struct {
	// MaxWait caps the long poll. Keep it below Envoy's ext_proc
	// message_timeout, with the Kafka request timeout, so the client gets
	// our answer rather than Envoy's 504.
	MaxWait    time.Duration
	MaxBytes   int
	MaxRecords int
}

// readMargin is what a read may take beyond its longest long poll: metadata,
// the offsets lookup and the fetch. Reads.MaxWait + readMargin must stay
// below Envoy's ext_proc message_timeout.
const readMargin = 2 * time.Second

// readDeadline bounds a read, a poll or a consumer commit: the longest long
// poll plus readMargin, from the start of the request.
func (c *call) readDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, c.start.Add(c.g.opts.Reads.MaxWait+readMargin))
}

// nextOffsetHeader carries a v2 read's next offset, as the v2 body (a bare
// array) has nowhere to put it.
const nextOffsetHeader = "x-topicgate-next-offset"

// readRecords answers a stateless read of one partition: records from an
// offset or a timestamp, in pages, with an optional long poll. No state is
// kept, so any replica can answer the next page.
func (c *call) readRecords(ctx context.Context) (*Response, BodyFunc) {
	q, err := kafkarest.ParseRead(c.route.API, c.route.Query, c.req.Headers["accept"])
	if err != nil {
		return c.fail(err), nil
	}
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	topic, err := c.topicInfo(ctx)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	p := *c.route.Partition
	if !topic.HasPartition(p) {
		return c.fail(apierr.UnknownPartition(topic.Name, p, len(topic.Partitions), "")), nil
	}
	rr := c.readRequest(&q, p)
	if refused := c.admitRead(topic.Name, &rr); refused != nil {
		return refused, nil
	}
	res, err := c.cluster.Read(ctx, rr)
	c.chargeRead(res.Records)
	if err != nil {
		return c.fail(kafka.ClientError(err)), nil
	}
	recs := pageRecords(res.Records)
	for i := range recs {
		recs[i].Topic = topic.Name // the client's name, also for a rewritten topic
	}
	if c.route.API == "v2" {
		body, err := kafkarest.V2Records(q.Format, recs)
		if err != nil {
			return c.fail(err), nil
		}
		resp := c.respond(http.StatusOK, body)
		resp.Headers["content-type"] = kafkarest.RecordsMediaType(q.Format)
		resp.Headers[nextOffsetHeader] = strconv.FormatInt(res.NextOffset, 10)
		return resp, nil
	}
	links := kafkarest.NewLinks(c.req.Scheme, c.req.Authority, c.route.Prefix)
	body, err := links.RecordList(&kafkarest.RecordPage{
		ClusterID: c.cluster.ID(), Topic: topic.Name, Partition: p,
		NextOffset: res.NextOffset, LogStartOffset: res.LogStartOffset, HighWatermark: res.HighWatermark,
		Records: recs,
	}, q.Format, c.route.Query)
	if err != nil {
		return c.fail(err), nil
	}
	return c.respond(http.StatusOK, body), nil
}

// readRequest applies the gateway's caps to what the client asked.
func (c *call) readRequest(q *kafkarest.ReadQuery, partition int32) kafka.ReadRequest {
	lim := c.g.opts.Reads
	capped := func(asked, limit int) int {
		if asked <= 0 || asked > limit {
			return limit
		}
		return asked
	}
	return kafka.ReadRequest{
		Topic: c.topic, Partition: partition,
		Offset: startOffset(q.Offset), Timestamp: q.Timestamp,
		MaxRecords: capped(q.MaxRecords, lim.MaxRecords),
		MaxBytes:   capped(q.MaxBytes, lim.MaxBytes),
		MaxWait:    min(q.Timeout, lim.MaxWait),
	}
}

// startOffset is the Kafka side's name for a parsed start offset.
func startOffset(o int64) int64 {
	switch o {
	case kafkarest.ReadEarliest:
		return kafka.OffsetEarliest
	case kafkarest.ReadLatest:
		return kafka.OffsetLatest
	}
	return o
}

// pageRecords converts a read's records for rendering.
func pageRecords(rs []kafka.Record) []kafkarest.ConsumedRecord {
	out := make([]kafkarest.ConsumedRecord, len(rs))
	for i := range rs {
		r := &rs[i]
		out[i] = kafkarest.ConsumedRecord{
			Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
			Key: r.Key, Value: r.Value, Timestamp: r.Timestamp,
		}
		if len(r.Headers) > 0 {
			out[i].Headers = make([]kafkarest.Header, len(r.Headers))
			for j, h := range r.Headers {
				out[i].Headers[j] = kafkarest.Header{Name: h.Key, Value: h.Value}
			}
		}
	}
	return out
}
