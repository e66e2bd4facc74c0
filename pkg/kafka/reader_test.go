package kafka

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
)

func TestPage_Limits(t *testing.T) {
	rec := func(n int) Record { return Record{Value: make([]byte, n)} }
	tests := []struct {
		name                 string
		maxRecords, maxBytes int
		sizes                []int
		taken                int // records taken before the page is full
	}{
		{name: "record limit", maxRecords: 2, maxBytes: 100, sizes: []int{1, 1, 1}, taken: 2},
		{name: "byte limit: the record that would overflow waits for the next page", maxRecords: 10, maxBytes: 10, sizes: []int{4, 4, 4}, taken: 2},
		{name: "byte limit reached exactly", maxRecords: 10, maxBytes: 8, sizes: []int{4, 4, 1}, taken: 2},
		{name: "a first record larger than the limit is taken alone", maxRecords: 10, maxBytes: 10, sizes: []int{50, 1}, taken: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := page{maxRecords: tt.maxRecords, maxBytes: tt.maxBytes}
			taken := 0
			for _, n := range tt.sizes {
				if p.full() {
					break
				}
				if p.add(rec(n)) {
					taken++
				}
			}
			if taken != tt.taken || len(p.records) != tt.taken || !p.full() {
				t.Errorf("took %d (page %d, full %v), want %d", taken, len(p.records), p.full(), tt.taken)
			}
		})
	}
}

func TestRecordSize(t *testing.T) {
	r := Record{Key: []byte("ab"), Value: []byte("cde"), Headers: []Header{{Key: "h", Value: []byte("xy")}, {Key: "n"}}}
	if got := recordSize(&r); got != 2+3+1+2+1 {
		t.Errorf("recordSize = %d", got)
	}
}

func TestRangeError_MapsTo416WithTheRange(t *testing.T) {
	err := fmt.Errorf("reading: %w", &RangeError{Topic: "orders", Partition: 1, Offset: 50, LogStartOffset: 3, HighWatermark: 9})
	e := ClientError(err)
	want := "Offset 50 is out of range for orders-1: valid offsets are 3 to 9 (the high watermark, to wait for new records)."
	if e.Status != 416 || e.Code != 41601 || e.Message != want {
		t.Errorf("got %d/%d %q", e.Status, e.Code, e.Message)
	}
	// Kafka's own out-of-range errors, without the range, get the table's message.
	e = ClientError(ck.NewError(ck.ErrAutoOffsetReset, "offset reset", false))
	if e.Status != 416 || e.Code != 41601 || e.Message != "The offset is outside the partition's log." {
		t.Errorf("auto offset reset: %d/%d %q", e.Status, e.Code, e.Message)
	}
}

func TestToRecord(t *testing.T) {
	topic := "orders"
	at := time.UnixMilli(1714564800123)
	m := &ck.Message{
		TopicPartition: ck.TopicPartition{Topic: &topic, Partition: 2, Offset: 7},
		Key:            []byte("k"), Value: []byte("v"), Timestamp: at, TimestampType: ck.TimestampLogAppendTime,
		Headers: []ck.Header{{Key: "h", Value: []byte("x")}},
	}
	want := Record{Topic: "orders", Partition: 2, Offset: 7, Key: []byte("k"), Value: []byte("v"),
		Headers: []Header{{Key: "h", Value: []byte("x")}}, Timestamp: at, TimestampType: "LOG_APPEND_TIME"}
	if diff := cmp.Diff(want, toRecord(m)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	m.TimestampType = ck.TimestampNotAvailable
	if r := toRecord(m); !r.Timestamp.IsZero() || r.TimestampType != "" {
		t.Errorf("no timestamp: %v %q", r.Timestamp, r.TimestampType)
	}
}

// A full pool makes the next read wait, then refuse with 429 when its
// deadline comes first; a returned consumer serves the next read. No
// consumer connects to anything here: the pool lends only tokens it has.
func TestReaderPool_Bounded(t *testing.T) {
	p := newReaderPool(Options{Readers: 1, Properties: map[string]string{"bootstrap.servers": "127.0.0.1:1", "go.delivery.reports": "false"}}, zap.NewNop())
	defer p.close()
	c, err := p.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.get(ctx); !errors.Is(err, context.Canceled) || ClientError(err).Status != 429 {
		t.Errorf("second get from a full pool: %v", err)
	}
	p.put(c, true)
	again, err := p.get(context.Background())
	if err != nil || again != c {
		t.Errorf("the returned consumer was not lent again: %v", err)
	}
	p.put(again, true)
}
