// Package decisionlog ships the decision log to a Kafka topic: a zap core
// (Core) hands each decision line, as it is written to the log, to a Sink,
// which queues it without ever waiting and produces the queue to Kafka in
// batches from one goroutine. A slow or unreachable Kafka fills the bounded
// queue; lines that do not fit are dropped, counted and logged (at most
// every LogEvery), and requests never wait for Kafka.
package decisionlog

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// Producer writes records to Kafka and waits for their delivery;
// *kafka.Client is one. The sink uses the cluster's own producer rather than
// a second one: one set of connections, one flush at shutdown.
type Producer interface {
	Produce(ctx context.Context, msgs []kafka.Message) []kafka.Delivery
}

var _ Producer = (*kafka.Client)(nil)

// Options configure a Sink.
type Options struct {
	Producer Producer
	Cluster  string // the producer's cluster name, for Status
	Topic    string
	// QueueSize bounds the lines waiting for Kafka (DefaultQueueSize if 0).
	QueueSize int
	// BatchSize bounds the lines of one produce call (DefaultBatchSize if 0).
	BatchSize int
	// Timeout bounds one produce call: the producer's own delivery timeout
	// plus a margin.
	Timeout time.Duration
	// LogEvery is the shortest interval between two log lines about drops
	// or failures (DefaultLogEvery if 0).
	LogEvery time.Duration
	Log      *zap.Logger
	Metrics  *metrics.Metrics
}

// Defaults of Options.
const (
	DefaultQueueSize = 10000
	DefaultBatchSize = 500
	DefaultLogEvery  = 10 * time.Second
)

// Sink produces decision lines to a Kafka topic. It is safe for concurrent
// use.
type Sink struct {
	opts  Options
	queue chan line
	stop  chan struct{} // closed by Close: drain and end
	done  chan struct{} // closed when run has ended
	// abortCtx ends when Close runs out of time: the produce call in
	// flight gives up, and what is still queued is dropped.
	abortCtx context.Context
	abort    context.CancelFunc

	mu     sync.RWMutex // Offer holds it shared; Close exclusively, to close
	closed bool

	written, failed, dropped atomic.Int64
	lastErr                  atomic.Pointer[string]
	dropLog, failLog         rateLog
}

// line is one decision log line and its record key.
type line struct {
	key, value []byte
}

// Status is the sink's state, for /readyz.
type Status struct {
	Cluster   string `json:"cluster"`
	Topic     string `json:"topic"`
	Queued    int    `json:"queued"`
	QueueSize int    `json:"queue_size"`
	Written   int64  `json:"written"`
	Failed    int64  `json:"failed"`
	Dropped   int64  `json:"dropped"`
	LastError string `json:"last_error,omitempty"`
}

// New starts a sink. Close it to flush what is queued.
func New(opts Options) *Sink {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.LogEvery <= 0 {
		opts.LogEvery = DefaultLogEvery
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	s := &Sink{
		opts:  opts,
		queue: make(chan line, opts.QueueSize),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	s.abortCtx, s.abort = context.WithCancel(context.Background())
	s.dropLog.every, s.failLog.every = opts.LogEvery, opts.LogEvery
	go s.run()
	return s
}

// Offer queues one line for Kafka without waiting. When the queue is full,
// or the sink closed, the line is dropped and counted.
func (s *Sink) Offer(key, value []byte) {
	s.mu.RLock()
	ok := false
	if !s.closed {
		select {
		case s.queue <- line{key: key, value: value}:
			ok = true
		default:
		}
	}
	s.mu.RUnlock()
	if !ok {
		s.dropped.Add(1)
		s.opts.Metrics.DecisionLogRecords("dropped", 1)
		if n, ok := s.dropLog.due(1); ok {
			s.opts.Log.Warn("decision log: Kafka queue full; dropping decision lines (the log itself still has them)",
				zap.String("topic", s.opts.Topic), zap.Int64("dropped", n), zap.Int("queue_size", s.opts.QueueSize))
		}
	}
}

// Close stops taking lines and produces what is queued, until ctx ends;
// then what is left is dropped (and counted). Close it before the producer.
func (s *Sink) Close(ctx context.Context) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
	case <-ctx.Done():
		s.abort()
		<-s.done
	}
	s.abort()
}

// Status reports the sink's counts.
func (s *Sink) Status() Status {
	st := Status{
		Cluster: s.opts.Cluster, Topic: s.opts.Topic, Queued: len(s.queue), QueueSize: s.opts.QueueSize,
		Written: s.written.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(),
	}
	if e := s.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// run produces the queue in batches until Close, then drains it.
func (s *Sink) run() {
	defer close(s.done)
	batch := make([]kafka.Message, 0, s.opts.BatchSize)
	for {
		select { // Close first: it may have run out of time already
		case <-s.stop:
			s.drain(batch)
			return
		default:
		}
		select {
		case first := <-s.queue:
			s.produce(s.take(batch[:0], first))
		case <-s.stop:
			s.drain(batch)
			return
		}
	}
}

// drain produces what is queued until Close runs out of time, then drops
// the rest.
func (s *Sink) drain(batch []kafka.Message) {
	for len(s.queue) > 0 && s.abortCtx.Err() == nil {
		s.produce(s.take(batch[:0], <-s.queue))
	}
	left := 0
	for len(s.queue) > 0 {
		<-s.queue
		left++
	}
	if left > 0 {
		s.dropped.Add(int64(left))
		s.opts.Metrics.DecisionLogRecords("dropped", left)
		s.opts.Log.Warn("decision log: lines still queued for Kafka at shutdown are lost (the log itself has them)",
			zap.String("topic", s.opts.Topic), zap.Int("lines", left))
	}
}

// take makes a batch of first and whatever else is queued, up to BatchSize.
func (s *Sink) take(batch []kafka.Message, first line) []kafka.Message {
	batch = append(batch, s.message(first))
	for len(batch) < s.opts.BatchSize {
		select {
		case l := <-s.queue:
			batch = append(batch, s.message(l))
		default:
			return batch
		}
	}
	return batch
}

func (s *Sink) message(l line) kafka.Message {
	return kafka.Message{Topic: s.opts.Topic, Partition: kafka.PartitionAny, Key: l.key, Value: l.value}
}

func (s *Sink) produce(batch []kafka.Message) {
	ctx, cancel := context.WithTimeout(s.abortCtx, s.opts.Timeout)
	defer cancel()
	var failed int
	var lastErr error
	for _, d := range s.opts.Producer.Produce(ctx, batch) {
		if d.Err != nil {
			failed++
			lastErr = d.Err
		}
	}
	ok := len(batch) - failed
	s.written.Add(int64(ok))
	s.opts.Metrics.DecisionLogRecords("written", ok)
	if failed == 0 {
		return
	}
	s.failed.Add(int64(failed))
	s.opts.Metrics.DecisionLogRecords("failed", failed)
	msg := lastErr.Error()
	s.lastErr.Store(&msg)
	if n, ok := s.failLog.due(int64(failed)); ok {
		s.opts.Log.Warn("decision log: Kafka did not take decision lines (the log itself still has them)",
			zap.String("topic", s.opts.Topic), zap.Int64("failed", n), zap.Error(lastErr))
	}
}

// rateLog lets a repeated log line through at most once per interval, with
// the count of events since the last one.
type rateLog struct {
	every   time.Duration
	mu      sync.Mutex
	last    time.Time
	pending int64
}

// due adds n events and reports whether to log now, with the events since
// the last line.
func (r *rateLog) due(n int64) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending += n
	now := time.Now()
	if !r.last.IsZero() && now.Sub(r.last) < r.every {
		return 0, false
	}
	r.last = now
	n, r.pending = r.pending, 0
	return n, true
}
