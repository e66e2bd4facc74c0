package kafka

import (
	"context"
	"fmt"
	"sync"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// OffsetSpec says which offset of a partition ListOffsets asks for:
// Earliest, Latest, or AtTime(t).
type OffsetSpec int64

const (
	// Earliest is the log start offset.
	Earliest OffsetSpec = -2
	// Latest is the high watermark: the offset the next record will get.
	Latest OffsetSpec = -1
)

// NoOffset is ListOffsets' answer for AtTime when no record of the partition
// has a timestamp at or after the time.
const NoOffset int64 = -1

// AtTime asks for the offset of the first record whose timestamp is at or
// after t (Kafka keeps milliseconds; a time before 1970 is 1970).
func AtTime(t time.Time) OffsetSpec { return OffsetSpec(max(t.UnixMilli(), 0)) }

func (s OffsetSpec) kafka() ck.OffsetSpec {
	switch s {
	case Earliest:
		return ck.EarliestOffsetSpec
	case Latest:
		return ck.LatestOffsetSpec
	}
	return ck.NewOffsetSpecForTimestamp(int64(s))
}

// ListOffsets asks the partition leaders for one offset of each partition
// (spec) in one admin ListOffsets call, bound by ctx and the request
// timeout. It is the only way topicgate looks offsets up: the admin offsets
// endpoints, lag, commit validation and the stateless reads' range checks and
// timestamp lookups all come here. An error of any partition (an unknown
// partition: 404) is the call's error.
func (c *Client) ListOffsets(ctx context.Context, parts []TopicPartition, spec OffsetSpec) (map[TopicPartition]int64, error) {
	out := make(map[TopicPartition]int64, len(parts))
	if len(parts) == 0 {
		return out, nil
	}
	req := make(map[ck.TopicPartition]ck.OffsetSpec, len(parts))
	for i := range parts {
		req[ck.TopicPartition{Topic: &parts[i].Topic, Partition: parts[i].Partition}] = spec.kafka()
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := c.admin.ListOffsets(ctx, req, ck.SetAdminRequestTimeout(remaining(ctx, c.opts.RequestTimeout)))
	if err != nil {
		return nil, err
	}
	// The result's keys hold their own topic pointers: match by value.
	for tp, info := range res.ResultInfos {
		if tp.Topic == nil {
			continue
		}
		if info.Error.Code() != ck.ErrNoError {
			return nil, info.Error
		}
		out[TopicPartition{Topic: *tp.Topic, Partition: tp.Partition}] = int64(info.Offset)
	}
	for _, p := range parts {
		if _, ok := out[p]; !ok {
			return nil, fmt.Errorf("list offsets: no answer for %s-%d", p.Topic, p.Partition)
		}
	}
	return out, nil
}

// OffsetLister looks offsets up: a *Client, or a test's fake.
type OffsetLister interface {
	ListOffsets(ctx context.Context, parts []TopicPartition, spec OffsetSpec) (map[TopicPartition]int64, error)
}

// Watermark is the range of a partition's log: Low is the log start offset,
// High the high watermark.
type Watermark struct{ Low, High int64 }

// Watermarks returns the range of each partition's log, asking for the
// earliest and the latest offsets at once (Kafka's ListOffsets takes one spec
// per partition, so they are two calls).
func Watermarks(ctx context.Context, l OffsetLister, parts []TopicPartition) (map[TopicPartition]Watermark, error) {
	res, err := listEach(ctx, l, parts, Earliest, Latest)
	if err != nil {
		return nil, err
	}
	out := make(map[TopicPartition]Watermark, len(parts))
	for _, p := range parts {
		out[p] = Watermark{Low: res[0][p], High: res[1][p]}
	}
	return out, nil
}

// listEach asks ListOffsets once per spec, concurrently, and answers in the
// specs' order; the first error (in that order) fails it.
func listEach(ctx context.Context, l OffsetLister, parts []TopicPartition, specs ...OffsetSpec) ([]map[TopicPartition]int64, error) {
	out := make([]map[TopicPartition]int64, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = l.ListOffsets(ctx, parts, s)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// remaining is the time left before ctx's deadline, at most limit and at
// least a millisecond.
func remaining(ctx context.Context, limit time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	return max(limit, time.Millisecond)
}
