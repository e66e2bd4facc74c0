package kafka

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"
)

// fakeLister answers ListOffsets from a partition's log: its ends, and the
// offset AtTime finds (NoOffset when unset). Every call's spec is kept.
type fakeLister struct {
	low, high int64
	atTime    map[OffsetSpec]int64
	err       map[OffsetSpec]error

	mu    sync.Mutex
	specs []OffsetSpec
}

func (f *fakeLister) ListOffsets(_ context.Context, parts []TopicPartition, spec OffsetSpec) (map[TopicPartition]int64, error) {
	f.mu.Lock()
	f.specs = append(f.specs, spec)
	f.mu.Unlock()
	if err := f.err[spec]; err != nil {
		return nil, err
	}
	out := map[TopicPartition]int64{}
	for _, p := range parts {
		switch spec {
		case Earliest:
			out[p] = f.low
		case Latest:
			out[p] = f.high
		default:
			o, ok := f.atTime[spec]
			if !ok {
				o = NoOffset
			}
			out[p] = o
		}
	}
	return out, nil
}

func TestWatermarks(t *testing.T) {
	f := &fakeLister{low: 3, high: 42}
	a, b := TopicPartition{"orders", 0}, TopicPartition{"orders", 1}
	got, err := Watermarks(context.Background(), f, []TopicPartition{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := map[TopicPartition]Watermark{a: {3, 42}, b: {3, 42}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(f.specs) != 2 {
		t.Errorf("%d ListOffsets calls for two partitions, want 2 (one per spec): %v", len(f.specs), f.specs)
	}
	unknown := ck.NewError(ck.ErrUnknownTopicOrPart, "Broker: Unknown topic or partition", false)
	f.err = map[OffsetSpec]error{Latest: unknown}
	if _, err := Watermarks(context.Background(), f, []TopicPartition{a}); !errors.Is(err, unknown) || ClientError(err).Status != 404 {
		t.Errorf("an unknown partition: %v", err)
	}
}

func TestAtTime(t *testing.T) {
	at := time.UnixMilli(1714564800123).Add(999 * time.Microsecond)
	if got := AtTime(at); got != 1714564800123 {
		t.Errorf("AtTime = %d", got)
	}
	if got := AtTime(time.Unix(-5, 0)); got != 0 {
		t.Errorf("AtTime before 1970 = %d, want 0", got)
	}
	if AtTime(time.UnixMilli(0)).kafka() != ck.NewOffsetSpecForTimestamp(0) || Earliest.kafka() != ck.EarliestOffsetSpec || Latest.kafka() != ck.LatestOffsetSpec {
		t.Errorf("specs do not map to Kafka's")
	}
}

// A read's start comes from one round of ListOffsets: both ends, and the
// timestamp's offset when it has one.
func TestStartOffset(t *testing.T) {
	ts := time.UnixMilli(1714564800000)
	tests := []struct {
		name      string
		req       ReadRequest
		atTime    map[OffsetSpec]int64
		start     int64
		high      int64
		rangeErr  bool
		specCalls int
	}{
		{name: "earliest", req: ReadRequest{Offset: OffsetEarliest}, start: 10, high: 20, specCalls: 2},
		{name: "latest", req: ReadRequest{Offset: OffsetLatest}, start: 20, high: 20, specCalls: 2},
		{name: "an offset in the log", req: ReadRequest{Offset: 15}, start: 15, high: 20, specCalls: 2},
		{name: "the high watermark", req: ReadRequest{Offset: 20}, start: 20, high: 20, specCalls: 2},
		{name: "before the log", req: ReadRequest{Offset: 9}, rangeErr: true, specCalls: 2},
		{name: "after the log", req: ReadRequest{Offset: 21}, rangeErr: true, specCalls: 2},
		{name: "a timestamp", req: ReadRequest{Timestamp: ts}, atTime: map[OffsetSpec]int64{AtTime(ts): 17}, start: 17, high: 20, specCalls: 3},
		{name: "a timestamp after every record", req: ReadRequest{Timestamp: ts}, start: 20, high: 20, specCalls: 3},
		{name: "a timestamp found past the high watermark asked at the same time", req: ReadRequest{Timestamp: ts},
			atTime: map[OffsetSpec]int64{AtTime(ts): 21}, start: 21, high: 21, specCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLister{low: 10, high: 20, atTime: tt.atTime}
			tt.req.Topic = "orders"
			res, start, err := startOffset(context.Background(), f, &tt.req)
			if len(f.specs) != tt.specCalls {
				t.Errorf("%d ListOffsets calls, want %d", len(f.specs), tt.specCalls)
			}
			var re *RangeError
			if tt.rangeErr {
				if !errors.As(err, &re) || re.LogStartOffset != 10 || re.HighWatermark != 20 || re.Offset != tt.req.Offset {
					t.Errorf("got %v, want a RangeError with 10..20", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if start != tt.start || res.NextOffset != tt.start || res.LogStartOffset != 10 || res.HighWatermark != tt.high {
				t.Errorf("start %d, result %+v; want start %d, high %d", start, res, tt.start, tt.high)
			}
		})
	}
}
