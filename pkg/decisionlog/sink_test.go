package decisionlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// fakeProducer records what it is given. While gate is set, each Produce
// waits for it to be closed, as a slow or unreachable Kafka makes it wait.
type fakeProducer struct {
	mu      sync.Mutex
	msgs    []kafka.Message
	batches []int
	gate    chan struct{}
	err     error // every delivery fails with it
	called  chan struct{}
}

func newFakeProducer() *fakeProducer { return &fakeProducer{called: make(chan struct{}, 100)} }

func (f *fakeProducer) Produce(ctx context.Context, msgs []kafka.Message) []kafka.Delivery {
	f.called <- struct{}{}
	f.mu.Lock()
	gate, perr := f.gate, f.err
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			perr = ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]kafka.Delivery, len(msgs))
	for i := range msgs {
		out[i].Err = perr
		if perr == nil {
			f.msgs = append(f.msgs, msgs[i])
		}
	}
	f.batches = append(f.batches, len(msgs))
	return out
}

func (f *fakeProducer) written() []kafka.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kafka.Message(nil), f.msgs...)
}

func counter(t *testing.T, m *metrics.Metrics, result string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "topicgate_decision_log_kafka_records_total" {
			continue
		}
		for _, c := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range c.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if maps.Equal(labels, map[string]string{"result": result}) {
				return c.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// A decision line reaches Kafka as the JSON log writes it, keyed by its
// decision id.
func TestCore_LineToKafka(t *testing.T) {
	p := newFakeProducer()
	m := metrics.New()
	s := New(Options{Producer: p, Topic: "decisions", Metrics: m})
	var stderr bytes.Buffer
	base := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(EncoderConfig()), zapcore.AddSync(&stderr), zapcore.InfoLevel))
	log := base.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return zapcore.NewTee(c, s.Core()) })).Named("decision")

	log.Info("decision", zap.String("decision_id", "d-1"), zap.String("principal", "writer"), zap.Bool("allow", true))
	log.With(zap.String("decision_id", "d-2")).Info("decision", zap.Int("records", 2))
	log.Debug("not a decision", zap.String("decision_id", "d-3"))
	s.Close(context.Background())

	got := p.written()
	if len(got) != 2 {
		t.Fatalf("wrote %d records, want 2", len(got))
	}
	lines := bytes.Split(bytes.TrimSpace(stderr.Bytes()), []byte("\n"))
	for i, want := range []string{"d-1", "d-2"} {
		msg := got[i]
		if msg.Topic != "decisions" || string(msg.Key) != want || msg.Partition != kafka.PartitionAny {
			t.Errorf("record %d: topic %s, key %q, partition %d", i, msg.Topic, msg.Key, msg.Partition)
		}
		if !bytes.Equal(msg.Value, lines[i]) {
			t.Errorf("record %d differs from the log line:\n%s\n%s", i, msg.Value, lines[i])
		}
		var v map[string]any
		if err := json.Unmarshal(msg.Value, &v); err != nil {
			t.Fatalf("record %d is not JSON: %v", i, err)
		}
		if v["logger"] != "decision" || v["msg"] != "decision" || v["decision_id"] != want || v["ts"] == nil {
			t.Errorf("record %d: %v", i, v)
		}
	}
	if w := counter(t, m, "written"); w != 2 {
		t.Errorf("written = %v", w)
	}
}

// A Kafka that does not answer never blocks Offer: the queue fills, the
// rest is dropped and counted, and the drops are logged once per LogEvery.
func TestSink_BoundedQueueDrops(t *testing.T) {
	p := newFakeProducer()
	p.gate = make(chan struct{})
	m := metrics.New()
	obs, logs := observer.New(zapcore.InfoLevel)
	s := New(Options{Producer: p, Topic: "decisions", QueueSize: 4, BatchSize: 2, LogEvery: time.Hour, Log: zap.New(obs), Metrics: m})

	s.Offer([]byte("k0"), []byte("v0"))
	<-p.called // the first line is in flight, blocked on Kafka
	for i := 1; i <= 10; i++ {
		s.Offer(fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i))
	}
	st := s.Status()
	if st.Queued != 4 || st.Dropped != 6 || st.QueueSize != 4 {
		t.Errorf("Status() = %+v, want 4 queued and 6 dropped", st)
	}
	if d := counter(t, m, "dropped"); d != 6 {
		t.Errorf("dropped = %v, want 6", d)
	}
	if n := logs.FilterMessageSnippet("dropping").Len(); n != 1 {
		t.Errorf("logged the drops %d times, want once per LogEvery", n)
	}
	if f := logs.All()[0].ContextMap(); f["dropped"] != int64(1) || f["topic"] != "decisions" {
		t.Errorf("drop line fields %v", f)
	}

	close(p.gate) // Kafka is back: what was queued is written, in batches
	s.Close(context.Background())
	got := p.written()
	if len(got) != 5 {
		t.Fatalf("wrote %d records, want the 5 that were taken", len(got))
	}
	for i, want := range []string{"v0", "v1", "v2", "v3", "v4"} {
		if string(got[i].Value) != want {
			t.Errorf("record %d = %s, want %s (in order)", i, got[i].Value, want)
		}
	}
	for _, b := range p.batches {
		if b > 2 {
			t.Errorf("a batch of %d lines, BatchSize is 2", b)
		}
	}
	if st := s.Status(); st.Written != 5 || st.Dropped != 6 || st.Queued != 0 {
		t.Errorf("Status() after Close = %+v", st)
	}
}

// Lines Kafka refuses are counted as failed and logged, rate-limited.
func TestSink_Failures(t *testing.T) {
	p := newFakeProducer()
	p.err = errors.New("Local: Unknown topic")
	m := metrics.New()
	obs, logs := observer.New(zapcore.InfoLevel)
	s := New(Options{Producer: p, Topic: "missing", LogEvery: time.Hour, Log: zap.New(obs), Metrics: m})
	for i := range 3 {
		s.Offer(nil, fmt.Appendf(nil, "v%d", i))
	}
	s.Close(context.Background())
	st := s.Status()
	if st.Failed != 3 || st.Written != 0 || st.LastError != "Local: Unknown topic" {
		t.Errorf("Status() = %+v", st)
	}
	if f := counter(t, m, "failed"); f != 3 {
		t.Errorf("failed = %v", f)
	}
	if n := logs.FilterMessageSnippet("did not take").Len(); n != 1 {
		t.Errorf("logged failures %d times, want 1", n)
	}
}

// Close gives up when its context ends: the line in flight fails, the rest
// is dropped, and later lines are dropped too.
func TestSink_CloseDeadline(t *testing.T) {
	p := newFakeProducer()
	p.gate = make(chan struct{}) // never opens
	obs, logs := observer.New(zapcore.InfoLevel)
	s := New(Options{Producer: p, Topic: "decisions", QueueSize: 10, BatchSize: 1, Log: zap.New(obs)})
	s.Offer(nil, []byte("a"))
	<-p.called
	s.Offer(nil, []byte("b"))
	s.Offer(nil, []byte("c"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Close(ctx)
	s.Offer(nil, []byte("after close"))
	st := s.Status()
	if st.Failed != 1 || st.Dropped != 3 || st.Written != 0 {
		t.Errorf("Status() = %+v, want 1 failed (in flight) and 3 dropped", st)
	}
	if logs.FilterMessageSnippet("at shutdown are lost").Len() != 1 {
		t.Errorf("the lost lines were not logged: %v", logs.All())
	}
}

func TestRateLog(t *testing.T) {
	r := rateLog{every: time.Hour}
	if n, ok := r.due(2); !ok || n != 2 {
		t.Errorf("first due = %d, %v", n, ok)
	}
	if _, ok := r.due(3); ok {
		t.Error("due again within the interval")
	}
	r.last = time.Now().Add(-2 * time.Hour)
	if n, ok := r.due(1); !ok || n != 4 {
		t.Errorf("due after the interval = %d, %v; want the 4 since the last line", n, ok)
	}
}

// BenchmarkOffer measures what a decision line costs the request when
// shipping to Kafka is on: encoding it a second time and queueing it.
func BenchmarkOffer(b *testing.B) {
	p := newFakeProducer()
	p.called = make(chan struct{}, 1<<20)
	s := New(Options{Producer: p, Topic: "decisions", QueueSize: 1 << 16})
	defer s.Close(context.Background())
	log := zap.New(s.Core()).Named("decision")
	b.ReportAllocs()
	for b.Loop() {
		log.Info("decision", zap.String("decision_id", "0233e6a1-68cb-43bc-b431-638d35dd032a"),
			zap.String("principal", "writer"), zap.Bool("allow", true), zap.Duration("duration", time.Millisecond))
	}
}
