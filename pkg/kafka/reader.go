package kafka

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Symbolic start offsets of a ReadRequest.
const (
	OffsetEarliest int64 = -2 // the log start offset
	OffsetLatest   int64 = -1 // the high watermark: wait for new records
)

// ReadRequest asks for records of one partition, starting at Offset, or at
// the first record at or after Timestamp when it is not zero.
type ReadRequest struct {
	Topic     string
	Partition int32
	Offset    int64 // an offset, OffsetEarliest or OffsetLatest
	Timestamp time.Time
	// MaxRecords and MaxBytes bound the answer. A first record larger than
	// MaxBytes is returned alone, so that a reader always makes progress.
	MaxRecords int
	MaxBytes   int
	// MaxWait is how long to wait for new records when the start offset is
	// the end of the log (long poll); the read answers as soon as one arrives.
	MaxWait time.Duration
}

// ReadResult is a page of records. NextOffset is where the next page starts:
// after the last record, or the start offset when there is none.
type ReadResult struct {
	Records        []Record
	NextOffset     int64
	LogStartOffset int64
	HighWatermark  int64
}

// RangeError is a start offset outside the partition's log. Its Detail tells
// the client the valid range.
type RangeError struct {
	Topic          string
	Partition      int32
	Offset         int64
	LogStartOffset int64
	HighWatermark  int64
}

func (e *RangeError) Error() string { return e.Detail() }

// Detail is the client-visible explanation.
func (e *RangeError) Detail() string {
	return fmt.Sprintf("Offset %d is out of range for %s-%d: valid offsets are %d to %d (the high watermark, to wait for new records).",
		e.Offset, e.Topic, e.Partition, e.LogStartOffset, e.HighWatermark)
}

// Unwrap makes the error table see Kafka's own code for it.
func (e *RangeError) Unwrap() error {
	return ck.NewError(ck.ErrOffsetOutOfRange, e.Detail(), false)
}

// Read returns records of one partition. It keeps no state between calls:
// the partition's range (and the timestamp's offset) are looked up with
// ListOffsets, then a pooled consumer is assigned the partition at the start
// offset, polled until the page is full, the log ends or MaxWait passes, and
// unassigned. The whole read takes at most max(MaxWait, the request timeout).
func (c *Client) Read(ctx context.Context, req ReadRequest) (ReadResult, error) {
	ctx, cancel := context.WithTimeout(ctx, max(req.MaxWait, c.opts.RequestTimeout))
	defer cancel()
	// The lookups need no consumer: a read holds one only while it fetches.
	res, start, err := startOffset(ctx, c, &req)
	if err != nil {
		return ReadResult{}, err
	}
	cons, err := c.readers.get(ctx)
	if err != nil {
		return ReadResult{}, err
	}
	healthy := true
	defer func() { c.readers.put(cons, healthy) }()

	tp := ck.TopicPartition{Topic: &req.Topic, Partition: req.Partition, Offset: ck.Offset(start)}
	if err := cons.Assign([]ck.TopicPartition{tp}); err != nil {
		return ReadResult{}, err
	}
	err = c.poll(ctx, cons, &req, &res)
	if uerr := cons.Unassign(); uerr != nil {
		healthy = false
	}
	if err != nil {
		return ReadResult{}, err
	}
	return res, nil
}

// startOffset learns the partition's range (and, for a timestamp, its
// offset) in one round of concurrent ListOffsets calls, and resolves the
// request's start to an offset in the range.
func startOffset(ctx context.Context, l OffsetLister, req *ReadRequest) (ReadResult, int64, error) {
	tp := TopicPartition{Topic: req.Topic, Partition: req.Partition}
	specs := []OffsetSpec{Earliest, Latest}
	if !req.Timestamp.IsZero() {
		specs = append(specs, AtTime(req.Timestamp))
	}
	got, err := listEach(ctx, l, []TopicPartition{tp}, specs...)
	if err != nil {
		return ReadResult{}, 0, err
	}
	low, high := got[0][tp], got[1][tp]
	start := req.Offset
	switch {
	case !req.Timestamp.IsZero():
		start = got[2][tp]
		if start == NoOffset { // no record at or after the timestamp
			start = high
		}
		// Asked at the same time as the high watermark: a record produced
		// meanwhile may be the one found.
		high = max(high, start)
	case start == OffsetEarliest:
		start = low
	case start == OffsetLatest:
		start = high
	}
	res := ReadResult{LogStartOffset: low, HighWatermark: high}
	if start < low || start > high {
		return res, 0, &RangeError{Topic: req.Topic, Partition: req.Partition, Offset: start, LogStartOffset: low, HighWatermark: high}
	}
	res.NextOffset = start
	return res, start, nil
}

// poll fills res from the assigned consumer. Before the first record, it
// waits up to MaxWait when the start is the end of the log, and up to the
// whole read's deadline otherwise (records exist: Kafka must hand them over).
// After the first record it stops at the end of the log.
func (c *Client) poll(ctx context.Context, cons *ck.Consumer, req *ReadRequest, res *ReadResult) error {
	waitUntil := time.Now().Add(req.MaxWait)
	atEnd := res.NextOffset >= res.HighWatermark
	var p page
	p.maxRecords, p.maxBytes = req.MaxRecords, req.MaxBytes
	for !p.full() {
		if len(p.records) == 0 && atEnd && !time.Now().Before(waitUntil) {
			break // long poll over: nothing new
		}
		if ctx.Err() != nil {
			if len(p.records) == 0 && !atEnd {
				return apierr.New(http.StatusGatewayTimeout, 50003,
					"Kafka did not return the records of %s-%d in time; retry later.", req.Topic, req.Partition).
					WithRetryAfter(time.Second).Wrap(ctx.Err())
			}
			break
		}
		ev := cons.Poll(pollSlice(ctx, waitUntil, atEnd && len(p.records) == 0))
		switch e := ev.(type) {
		case *ck.Message:
			if e.TopicPartition.Error != nil {
				return c.readError(ctx, req, res, e.TopicPartition.Error)
			}
			if !sameTP(e.TopicPartition, req) || int64(e.TopicPartition.Offset) < res.NextOffset {
				continue // left over from an earlier assignment
			}
			if !p.add(toRecord(e)) {
				continue // the page is full
			}
			res.NextOffset = int64(e.TopicPartition.Offset) + 1
			// The high watermark the fetch responses carried (no request).
			if _, high, err := cons.GetWatermarkOffsets(req.Topic, req.Partition); err == nil && high > res.HighWatermark {
				res.HighWatermark = high
			}
			if res.NextOffset >= res.HighWatermark {
				atEnd = true
				p.done = true // read up to the end of the log
			}
		case ck.PartitionEOF:
			if !sameTP(ck.TopicPartition(e), req) || int64(e.Offset) < res.NextOffset {
				continue
			}
			if len(p.records) > 0 {
				p.done = true
				continue
			}
			// The end of the log without a record: what was left were
			// control records (transaction markers). Wait for new ones.
			atEnd = true
		case ck.Error:
			// librdkafka retries transient errors (a broker connection lost,
			// perhaps while the consumer sat idle in the pool) itself; the
			// deadline bounds the wait. The others end the read at once.
			if EndsFetch(e) {
				return c.readError(ctx, req, res, e)
			}
			c.log.Debug("reader error, retried by the client", zap.Error(e))
		}
	}
	res.Records = p.records
	res.HighWatermark = max(res.HighWatermark, res.NextOffset)
	return nil
}

// readError turns a consumer error into the read's error: an offset that
// fell out of the log (retention ran between the check and the fetch) is a
// RangeError with the current range.
func (c *Client) readError(ctx context.Context, req *ReadRequest, res *ReadResult, err error) error {
	var ke ck.Error
	if errors.As(err, &ke) && (ke.Code() == ck.ErrOffsetOutOfRange || ke.Code() == ck.ErrAutoOffsetReset) {
		tp := TopicPartition{Topic: req.Topic, Partition: req.Partition}
		if w, werr := Watermarks(ctx, c, []TopicPartition{tp}); werr == nil {
			return &RangeError{Topic: req.Topic, Partition: req.Partition, Offset: res.NextOffset, LogStartOffset: w[tp].Low, HighWatermark: w[tp].High}
		}
	}
	return err
}

// page collects records up to the limits.
type page struct {
	maxRecords, maxBytes int
	records              []Record
	bytes                int
	done                 bool
}

// add takes r unless the page is full or r would overflow maxBytes; the
// first record is always taken. It reports whether r was taken.
func (p *page) add(r Record) bool {
	n := recordSize(&r)
	if p.full() || (len(p.records) > 0 && p.bytes+n > p.maxBytes) {
		p.done = true
		return false
	}
	p.records = append(p.records, r)
	p.bytes += n
	if p.bytes >= p.maxBytes {
		p.done = true
	}
	return true
}

func (p *page) full() bool {
	return p.done || (p.maxRecords > 0 && len(p.records) >= p.maxRecords)
}

func sameTP(tp ck.TopicPartition, req *ReadRequest) bool {
	return tp.Topic != nil && *tp.Topic == req.Topic && tp.Partition == req.Partition
}

// pollSlice is how long one Poll may block: short, so that a cancelled
// request is noticed, and never past the long poll's end while waiting.
func pollSlice(ctx context.Context, waitUntil time.Time, waiting bool) int {
	d := 100 * time.Millisecond
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	if waiting {
		d = min(d, time.Until(waitUntil))
	}
	return max(int(d.Milliseconds()), 1)
}
