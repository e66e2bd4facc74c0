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
	events   []ck.Event
	timeouts []int       // each Poll's timeout
	onPoll   func(n int) // called before the n-th Poll (from 0) answers
	polls    int
	seeks    []ck.TopicPartition
	stored   []ck.TopicPartition
}

func (q *fakeQueue) Poll(ms int) ck.Event {
	q.timeouts = append(q.timeouts, ms)
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

// A poll with no wait left (timeout=0, or the budget spent waiting for a busy
// instance) still takes the records already fetched, without blocking.
func TestConsumerPoll_NoWaitTakesFetchedRecords(t *testing.T) {
	for _, wait := range []time.Duration{0, -time.Second} {
		q := &fakeQueue{events: []ck.Event{consumerMsg("t", 0, 5, "a"), consumerMsg("t", 0, 6, "b")}}
		k := &Consumer{q: q, log: zap.NewNop()}
		recs, err := k.Poll(context.Background(), wait, 1000, 10, nil)
		if err != nil || len(recs) != 2 || recs[0].Offset != 5 || recs[1].Offset != 6 {
			t.Fatalf("wait %v: Poll = %v, %v; want the records at 5 and 6", wait, recs, err)
		}
		for _, ms := range q.timeouts {
			if ms != 0 {
				t.Errorf("wait %v: polled with timeouts %v, want only non-blocking polls", wait, q.timeouts)
				break
			}
		}
		if got := positions(q.stored); got["t-0"] != 7 {
			t.Errorf("wait %v: stored %v, want t-0 at 7", wait, got)
		}
	}
	// Nothing fetched: one non-blocking poll, an empty page.
	q := &fakeQueue{}
	k := &Consumer{q: q, log: zap.NewNop()}
	if recs, err := k.Poll(context.Background(), 0, 1000, 10, nil); err != nil || len(recs) != 0 || q.polls != 1 {
		t.Errorf("Poll = %v, %v after %d polls; want an empty page after one", recs, err, q.polls)
	}
}

// The consumer errors no retry mends end an instance's poll with the error,
// as they end a stateless read (EndsFetch); records already taken are given
// back. A subscription waits out a topic that does not exist (yet).
func TestConsumerPoll_EndingErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		code       ck.ErrorCode
		fatal      bool
		subscribed bool
		ends       bool
	}{
		{"no committed offset, auto.offset.reset none", ck.ErrAutoOffsetReset, false, true, true},
		{"offset out of range", ck.ErrOffsetOutOfRange, false, false, true},
		{"assigned partition that does not exist", ck.ErrUnknownPartition, false, false, true},
		{"assigned topic that does not exist", ck.ErrUnknownTopicOrPart, false, false, true},
		{"cluster authorization", ck.ErrClusterAuthorizationFailed, false, true, true},
		{"topic authorization", ck.ErrTopicAuthorizationFailed, false, true, true},
		{"fatal", ck.ErrFail, true, true, true},
		{"subscribed topic that does not exist yet", ck.ErrUnknownTopicOrPart, false, true, false},
		{"subscribed partition unknown", ck.ErrUnknownPartition, false, true, false},
		{"transient", ck.ErrTransport, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kerr := ck.NewError(tc.code, tc.name, tc.fatal)

			// The error first: the poll answers it (or waits it out and takes the next record).
			q := &fakeQueue{events: []ck.Event{kerr, consumerMsg("t", 0, 5, "a")}}
			k := &Consumer{q: q, log: zap.NewNop(), subscribed: tc.subscribed}
			recs, err := k.Poll(context.Background(), time.Minute, 1000, 10, nil)
			if tc.ends {
				var ke ck.Error
				if !errors.As(err, &ke) || ke.Code() != tc.code || recs != nil {
					t.Fatalf("Poll = %v, %v; want the error %v", recs, err, tc.code)
				}
				if ce := ClientError(err); ce.Status < 400 {
					t.Errorf("mapped to %v", ce)
				}
			} else if err != nil || len(recs) != 1 {
				t.Fatalf("Poll = %v, %v; want the error waited out and the record at 5", recs, err)
			}

			// Records taken before it: given back when it ends the poll.
			q = &fakeQueue{events: []ck.Event{consumerMsg("t", 0, 5, "a"), consumerMsg("t", 1, 9, "b"), kerr}}
			k = &Consumer{q: q, log: zap.NewNop(), subscribed: tc.subscribed}
			recs, err = k.Poll(context.Background(), time.Minute, 1000, 10, nil)
			if !tc.ends {
				if err != nil || len(recs) != 2 {
					t.Fatalf("Poll = %v, %v; want both records", recs, err)
				}
				return
			}
			if err == nil || recs != nil {
				t.Fatalf("Poll = %v, %v; want the error", recs, err)
			}
			if len(q.stored) != 0 {
				t.Errorf("stored %v; records not returned must not be consumed", positions(q.stored))
			}
			if got := positions(q.seeks); len(got) != 2 || got["t-0"] != 5 || got["t-1"] != 9 {
				t.Errorf("rewound to %v, want t-0 at 5 and t-1 at 9", got)
			}
		})
	}
}
