// Package consumer holds the Strimzi-style consumer instances: stateful Kafka
// consumers that live in one topicgate process, named by group and instance
// name, until they are deleted, expire after being idle, or the process
// shuts down (which makes each leave its group cleanly).
package consumer

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// Kafka is the Kafka consumer behind an instance (*kafka.Consumer). An
// instance calls it from one goroutine at a time.
type Kafka interface {
	Subscribe(topics []string) error
	SubscribePattern(pattern string) error
	Unsubscribe() error
	Assign(parts []kafka.ConsumerPartition) error
	Unassign() error
	Assignment() ([]kafka.ConsumerPartition, error)
	Poll(ctx context.Context, wait time.Duration, maxBytes, maxRecords int, accept func(*kafka.Record) error) ([]kafka.Record, error)
	Commit(offsets []kafka.ConsumerOffset) error
	Seek(offsets []kafka.ConsumerOffset) error
	Close() error
}

var _ Kafka = (*kafka.Consumer)(nil)

// Errors of the instance endpoints, in the bridge's words where it has them.
var (
	ErrNotFound = apierr.New(http.StatusNotFound, 404, "The specified consumer instance was not found.")
	ErrExists   = apierr.New(http.StatusConflict, 409, "A consumer instance with the specified name already exists in the group.")
	ErrConflict = apierr.New(http.StatusConflict, 409, "Subscriptions to topics, partitions, and patterns are mutually exclusive.")
	ErrBusy     = apierr.New(http.StatusConflict, 409, "The consumer instance is busy with another request; retry when it has finished.")
	ErrNoTopics = apierr.New(http.StatusConflict, 409, "The consumer instance is not subscribed to any topic nor assigned any partition.")
	// ErrCommitTimeout is a commit that did not end within its request's
	// time limit. Kafka may still apply it.
	ErrCommitTimeout = apierr.New(http.StatusGatewayTimeout, 504,
		"The commit did not finish within the request's time limit; it may or may not have been applied. Commit again, or check the group's committed offsets.")
	// ErrCommitNotStarted is a commit whose request's time limit passed
	// before it could start (authorizing it, waiting for the instance).
	ErrCommitNotStarted = apierr.New(http.StatusGatewayTimeout, 504,
		"The request's time limit passed before the commit could start; nothing was committed. Commit again.").
		WithRetryAfter(time.Second)
	ErrClosing = apierr.New(http.StatusServiceUnavailable, 503, "topicgate is shutting down and accepts no new consumer instances.").
			WithRetryAfter(time.Second)
)

// Options configure a Manager.
type Options struct {
	// Open builds the Kafka consumer of a new instance.
	Open func(kafka.ConsumerSettings) (Kafka, error)
	// IdleTimeout closes an instance that has served no request for this long.
	IdleTimeout time.Duration
	// MaxInstances bounds the instances of this process.
	MaxInstances int
	// CloseTimeout bounds the wait for an instance deleted or expired to
	// leave its group; one still closing after it is logged (0: 10s).
	CloseTimeout time.Duration
	Log          *zap.Logger
	Metrics      *metrics.Metrics
	// Now is the clock (tests inject one); nil is time.Now.
	Now func() time.Time
}

// Settings are what a new instance is created with.
type Settings struct {
	// Format is the embedded format of its records (json, binary, text).
	Format string
	// RequestTimeout is the poll wait when a poll names none (0: the gateway's default).
	RequestTimeout time.Duration
	// Owner is the principal creating the instance: the only one that may
	// use it. Any other is told the instance does not exist.
	Owner identity.Principal
	Kafka kafka.ConsumerSettings
}

type key struct{ group, name string }

// Manager holds the consumer instances of this process. It is safe for
// concurrent use.
type Manager struct {
	opts      Options
	mu        sync.Mutex
	instances map[key]*Instance
	// leaving counts the instances removed (deleted, expired, shut down)
	// whose consumer has not finished closing: each still holds a
	// librdkafka consumer, so each still counts toward MaxInstances.
	leaving int
	closing bool
	stop    chan struct{}  // closed by Close: the janitor stops
	bg      sync.WaitGroup // deleted and expired instances closing in the background
	janitor sync.WaitGroup // Run, while it runs
}

// New returns an empty Manager. Run its janitor with Run.
func New(opts Options) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 10 * time.Second
	}
	return &Manager{opts: opts, instances: map[key]*Instance{}, stop: make(chan struct{})}
}

// Create opens a new instance in group. An empty name gets a generated one.
func (m *Manager) Create(group, name string, s Settings) (*Instance, error) {
	if name == "" {
		name = "topicgate-consumer-" + uuid.NewString()
	}
	k := key{group, name}
	if err := m.room(k); err != nil { // before opening anything
		return nil, err
	}
	s.Kafka.Group, s.Kafka.ClientID = group, name
	kc, err := m.opts.Open(s.Kafka)
	if err != nil {
		return nil, err
	}
	inst := &Instance{
		Group: group, Name: name, Format: s.Format, RequestTimeout: s.RequestTimeout,
		owner: s.Owner, m: m, k: kc, sem: make(chan struct{}, 1),
	}
	inst.touch()
	m.mu.Lock()
	err = m.roomLocked(k)
	if err == nil {
		m.instances[k] = inst
		m.opts.Metrics.ConsumerInstances(len(m.instances))
	}
	m.mu.Unlock()
	if err != nil { // lost a race for the name or the last slot
		_ = kc.Close()
		return nil, err
	}
	m.opts.Log.Info("consumer instance created", zap.String("group", group), zap.String("instance", name),
		zap.String("format", s.Format), zap.String("owner_type", s.Owner.Type), zap.String("owner_id", s.Owner.ID))
	return inst, nil
}

func (m *Manager) room(k key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.roomLocked(k)
}

func (m *Manager) roomLocked(k key) error {
	switch {
	case m.closing:
		return ErrClosing
	case m.instances[k] != nil:
		return ErrExists
	case len(m.instances)+m.leaving >= m.opts.MaxInstances:
		// 503, not 429: the limit is this process's capacity, not the
		// caller's rate; another replica, or this one once an idle instance
		// expires, can take it. Instances still closing count: their
		// consumers are still leaving their groups.
		return apierr.New(http.StatusServiceUnavailable, 503,
			"This topicgate process already holds its maximum of %d consumer instances; delete unused instances or retry later.",
			m.opts.MaxInstances).WithRetryAfter(5 * time.Second)
	}
	return nil
}

// Get returns the instance that owner created and marks it used. Another
// principal's instance is ErrNotFound, as an unknown one: no principal can
// use or see another's instance. (Names are not secret: Create answers
// ErrExists for a name taken by anyone.)
func (m *Manager) Get(group, name string, owner identity.Principal) (*Instance, error) {
	m.mu.Lock()
	inst := m.instances[key{group, name}]
	m.mu.Unlock()
	if inst == nil || inst.owner != owner {
		return nil, ErrNotFound
	}
	inst.touch()
	return inst, nil
}

// Delete removes an instance at once, so every later request finds none,
// and closes it in the background: once the request it may be serving ends,
// it leaves its group, committing first if it auto-commits. Delete does not
// wait for Kafka; until the consumer is closed it still counts toward
// MaxInstances. Only the principal that created the instance may delete it
// (ErrNotFound otherwise).
func (m *Manager) Delete(group, name string, owner identity.Principal) error {
	inst := m.remove(key{group, name}, func(i *Instance) bool { return i.owner == owner }, &m.bg)
	if inst == nil {
		return ErrNotFound
	}
	go func() {
		defer m.bg.Done()
		m.await(inst, inst.closeAsync("deleted", false), time.Now().Add(m.opts.CloseTimeout))
	}()
	return nil
}

// remove takes an instance out of the table, counting it as leaving until
// its close ends (closeAsync); with check, only if check still holds under
// the lock. With bg, it adds one to bg under the lock (before Close can wait
// on it).
func (m *Manager) remove(k key, check func(*Instance) bool, bg *sync.WaitGroup) *Instance {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst := m.instances[k]
	if inst == nil || (check != nil && !check(inst)) {
		return nil
	}
	delete(m.instances, k)
	inst.gone.Store(true)
	m.leaving++
	if bg != nil {
		bg.Add(1)
	}
	m.opts.Metrics.ConsumerInstances(len(m.instances))
	return inst
}

// await waits for an instance to close until by, and logs it if it did not.
// It reports whether the instance closed.
func (m *Manager) await(inst *Instance, closed <-chan struct{}, by time.Time) bool {
	t := time.NewTimer(time.Until(by))
	defer t.Stop()
	select {
	case <-closed:
		return true
	case <-t.C:
		m.opts.Log.Warn("consumer instance did not close in time; it is still closing in the background",
			zap.String("group", inst.Group), zap.String("instance", inst.Name))
		return false
	}
}

// closed ends the count of an instance leaving (see remove).
func (m *Manager) closed() {
	m.mu.Lock()
	m.leaving--
	m.mu.Unlock()
}

// Expire removes the instances idle since before now-IdleTimeout and not
// serving a request, closes them in the background as Delete does (Close
// waits for them), and returns how many it expired. It does not wait for
// Kafka, so one slow close does not hold up the others.
func (m *Manager) Expire(now time.Time) int {
	cutoff := now.Add(-m.opts.IdleTimeout)
	m.mu.Lock()
	var idle []*Instance
	for _, inst := range m.instances {
		if inst.idleSince(cutoff) {
			idle = append(idle, inst)
		}
	}
	m.mu.Unlock()
	n := 0
	for _, inst := range idle {
		if !inst.tryAcquire() {
			continue // serving a request: in use, not idle
		}
		if m.remove(key{inst.Group, inst.Name}, func(i *Instance) bool { return i == inst && i.idleSince(cutoff) }, &m.bg) == nil {
			<-inst.sem // used meanwhile
			continue
		}
		go func() {
			defer m.bg.Done()
			m.await(inst, inst.closeAsync("expired", true), time.Now().Add(m.opts.CloseTimeout))
		}()
		m.opts.Metrics.ConsumerExpired()
		n++
	}
	return n
}

// Run expires idle instances until ctx ends or Close is called; Close waits
// for it to return.
func (m *Manager) Run(ctx context.Context) {
	m.mu.Lock()
	if m.closing {
		m.mu.Unlock()
		return
	}
	m.janitor.Add(1) // under the lock: never after Close has begun to wait
	m.mu.Unlock()
	defer m.janitor.Done()
	every := min(max(m.opts.IdleTimeout/4, 10*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.stop:
			return
		case <-t.C:
			m.Expire(m.opts.Now())
		}
	}
}

// Close stops the janitor (Run) and waits for it, closes every instance, so
// each leaves its group now instead of when the group's session times out,
// and refuses new ones. It closes them all at once and waits for them, and
// for deleted and expired ones still closing, at most budget; the instances
// still closing then are logged and left to finish in the background.
func (m *Manager) Close(budget time.Duration) {
	by := time.Now().Add(budget)
	m.mu.Lock()
	if !m.closing {
		close(m.stop)
	}
	m.closing = true
	all := make([]*Instance, 0, len(m.instances))
	for k, inst := range m.instances {
		all = append(all, inst)
		inst.gone.Store(true)
		delete(m.instances, k)
		m.leaving++
	}
	m.opts.Metrics.ConsumerInstances(0)
	m.mu.Unlock()
	m.janitor.Wait() // Expire does not block: it returns promptly
	var wg sync.WaitGroup
	for _, inst := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.await(inst, inst.closeAsync("shutdown", false), by)
		}()
	}
	wg.Wait()
	deleted := make(chan struct{})
	go func() { m.bg.Wait(); close(deleted) }()
	t := time.NewTimer(time.Until(by))
	defer t.Stop()
	select {
	case <-deleted:
	case <-t.C: // each deleted instance logs its own overrun
	}
}

// Len is the number of instances.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.instances)
}
