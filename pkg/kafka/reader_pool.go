package kafka

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// DefaultReaders is the number of concurrent reads per cluster when
// Options.Readers is 0.
const DefaultReaders = 8

// readerGroupID is the group.id the Go client requires of a consumer. Readers
// only assign partitions and never commit, so the group never forms.
const readerGroupID = "topicgate-internal-reader"

// readerDefaults are the pooled consumers' settings: assign-only, no commits,
// an event at the end of the log, an error (not a silent reset) for an offset
// outside the log, and small prefetch buffers, since a consumer serves one
// page at a time. A fetch at the end of the log waits on the broker for
// fetch.wait.max.ms, and the consumer's next read waits for that fetch: keep
// it short (a new record ends the wait at once either way).
var readerDefaults = map[string]string{
	"group.id":                   readerGroupID,
	"enable.auto.commit":         "false",
	"enable.auto.offset.store":   "false",
	"enable.partition.eof":       "true",
	"auto.offset.reset":          "error",
	"queued.max.messages.kbytes": "2048",
	"fetch.max.bytes":            "2097152",
	"fetch.wait.max.ms":          "100",
}

// errReadersBusy answers a read that found no free consumer before its deadline.
var errReadersBusy = apierr.New(http.StatusTooManyRequests, 42901,
	"Every reader of this cluster is busy; retry later.").WithRetryAfter(time.Second)

// readerPool lends consumers to reads, one read each, at most size at once.
// Consumers are created on first need and kept connected between reads.
type readerPool struct {
	cfg   ck.ConfigMap
	log   *zap.Logger
	slots chan struct{} // one token per consumer lent

	mu     sync.Mutex
	idle   []*ck.Consumer
	closed bool
}

func newReaderPool(opts Options, log *zap.Logger) *readerPool {
	cfg := ck.ConfigMap{}
	for k, v := range readerDefaults {
		cfg[k] = v
	}
	for k, v := range opts.Properties {
		if !strings.HasPrefix(k, "go.") { // the Go client's producer-only settings
			cfg[k] = v
		}
	}
	cfg["go.logs.channel.enable"] = true
	size := opts.Readers
	if size <= 0 {
		size = DefaultReaders
	}
	return &readerPool{cfg: cfg, log: log, slots: make(chan struct{}, size)}
}

// get lends a consumer, waiting for one until ctx ends.
func (p *readerPool) get(ctx context.Context) (*ck.Consumer, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, errReadersBusy.Wrap(ctx.Err())
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, ck.NewError(ck.ErrDestroy, "the cluster client is closed", false)
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	cfg := ck.ConfigMap{}
	for k, v := range p.cfg {
		cfg[k] = v
	}
	c, err := ck.NewConsumer(&cfg)
	if err != nil {
		<-p.slots
		return nil, fmt.Errorf("creating a reader: %w", err)
	}
	go forwardLogs(p.log, c.Logs()) // ends when the consumer closes
	return c, nil
}

// put takes a consumer back; one that failed to unassign, or that comes back
// after close, is closed instead.
func (p *readerPool) put(c *ck.Consumer, healthy bool) {
	defer func() { <-p.slots }()
	p.mu.Lock()
	if healthy && !p.closed {
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.closeConsumer(c)
}

// close closes the idle consumers; lent ones close when they come back.
func (p *readerPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		p.closeConsumer(c)
	}
}

func (p *readerPool) closeConsumer(c *ck.Consumer) {
	if err := c.Close(); err != nil {
		p.log.Warn("closing a reader", zap.Error(err))
	}
}
