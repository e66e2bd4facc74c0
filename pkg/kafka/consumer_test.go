package kafka

import (
	"context"
	"errors"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// fakeQueue plays a script of events to Poll and records seeks and stores.
type fakeQueue struct {
	events []ck.Event
	onPoll func(n int) // called before the n-th Poll (from 0) answers
	polls  int
	seeks  []ck.TopicPartition
	stored []ck.TopicPartition
}

func (q *fakeQueue) Poll(int) ck.Event {
	if q.onPoll != nil {
		q.onPoll(q.polls)
	}
	q.polls++
	if len(q.events) == 0 {
		return nil
	}
	ev := q.events[0]
	q.events = q.events[1:]
	return ev
}

func (q *fakeQueue) Seek(tp ck.TopicPartition, _ int) error {
	q.seeks = append(q.seeks, tp)
	return nil
}

func (q *fakeQueue) StoreOffsets(tps []ck.TopicPartition) ([]ck.TopicPartition, error) {
	q.stored = append(q.stored, tps...)
	return tps, nil
}

func consumerMsg(topic string, partition int32, offset int64, value string) *ck.Message {
	return &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: partition, Offset: ck.Offset(offset)}, Value: []byte(value)}
}

// positions is where each partition was sought, or stored, by "topic-partition".
func positions(tps []ck.TopicPartition) map[string]int64 {
	out := map[string]int64{}
	for _, tp := range tps {
		out[*tp.Topic+"-"+string(rune('0'+tp.Partition))] = int64(tp.Offset)
	}
	return out
}

func TestConsumerPoll_CancelledGivesBackAndStoresNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := &fakeQueue{
		events: []ck.Event{consumerMsg("t", 0, 5, "a"), consumerMsg("t", 0, 6, "b"), consumerMsg("t", 1, 9, "c")},
		onPoll: func(n int) {
			if n == 2 { // the client goes away while the third record arrives
				cancel()
			}
		},
	}
	k := &Consumer{q: q, log: zap.NewNop()}
	recs, err := k.Poll(ctx, 10*time.Second, 1000, 10, nil)
	if !errors.Is(err, context.Canceled) || recs != nil {
		t.Fatalf("Poll = %v, %v; want no records and context.Canceled", recs, err)
	}
	if len(q.stored) != 0 {
		t.Errorf("records not returned were stored as consumed: %v", positions(q.stored))
	}
	if got := positions(q.seeks); len(got) != 2 || got["t-0"] != 5 || got["t-1"] != 9 {
		t.Errorf("rewound to %v, want t-0 at 5 and t-1 at 9", got)
	}
}

func TestConsumerPoll_RefusedRecordIsNotConsumed(t *testing.T) {
	refuse := errors.New("not in the format")
	accept := func(r *Record) error {
		if string(r.Value) == "bad" {
			return refuse
		}
		return nil
	}

	// The first record refused: the error, nothing stored, the partition rewound to it.
	q := &fakeQueue{events: []ck.Event{consumerMsg("t", 0, 5, "bad"), consumerMsg("t", 0, 6, "ok")}}
	k := &Consumer{q: q, log: zap.NewNop()}
	if recs, err := k.Poll(context.Background(), 10*time.Second, 1000, 10, accept); !errors.Is(err, refuse) || recs != nil {
		t.Fatalf("Poll = %v, %v; want the refusal", recs, err)
	}
	if len(q.stored) != 0 {
		t.Errorf("a refused poll stored %v", positions(q.stored))
	}
	if got := positions(q.seeks); len(got) != 1 || got["t-0"] != 5 {
		t.Errorf("rewound to %v, want t-0 at 5", got)
	}

	// A later record refused: the records before it are returned and consumed, it waits.
	q = &fakeQueue{events: []ck.Event{consumerMsg("t", 0, 5, "ok"), consumerMsg("t", 0, 6, "bad")}}
	k = &Consumer{q: q, log: zap.NewNop()}
	recs, err := k.Poll(context.Background(), 10*time.Second, 1000, 10, accept)
	if err != nil || len(recs) != 1 || recs[0].Offset != 5 {
		t.Fatalf("Poll = %v, %v; want the record at 5", recs, err)
	}
	if got := positions(q.stored); len(got) != 1 || got["t-0"] != 6 {
		t.Errorf("stored %v, want t-0 at 6", got)
	}
	if got := positions(q.seeks); len(got) != 1 || got["t-0"] != 6 {
		t.Errorf("rewound to %v, want t-0 at 6", got)
	}
}

func TestConsumerPoll_TooLargeFirstRecordIs422(t *testing.T) {
	q := &fakeQueue{events: []ck.Event{consumerMsg("t", 0, 5, "0123456789")}}
	k := &Consumer{q: q, log: zap.NewNop()}
	_, err := k.Poll(context.Background(), 10*time.Second, 4, 10, nil)
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != 422 || len(q.stored) != 0 || len(q.seeks) != 1 {
		t.Errorf("Poll error %v, stored %v, seeks %v", err, q.stored, q.seeks)
	}
}
