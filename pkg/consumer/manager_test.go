package consumer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
)

// fakeKafka records what an instance asked of Kafka.
type fakeKafka struct {
	mu       sync.Mutex
	settings kafka.ConsumerSettings
	assigned []kafka.ConsumerPartition
	records  []kafka.Record
	seeks    []kafka.ConsumerOffset
	commits  [][]kafka.ConsumerOffset
	closed   bool
	polls    int
	// commitsStarted counts the calls to Commit; commitStarted, when set,
	// is closed by the next (under mu).
	commitsStarted int
	commitStarted  chan struct{}
	// closedCh is closed when Close returns; Close first waits for
	// closeRelease, and Commit for commitRelease, when they are set.
	closedCh, closeRelease, commitRelease chan struct{}
	// pollStarted, when set, is closed once Poll runs; Poll then waits for release.
	pollStarted, release chan struct{}
}

func (f *fakeKafka) Subscribe([]string) error                       { return nil }
func (f *fakeKafka) SubscribePattern(string) error                  { return nil }
func (f *fakeKafka) Unsubscribe() error                             { return nil }
func (f *fakeKafka) Assign(p []kafka.ConsumerPartition) error       { f.assigned = p; return nil }
func (f *fakeKafka) Unassign() error                                { f.assigned = nil; return nil }
func (f *fakeKafka) Assignment() ([]kafka.ConsumerPartition, error) { return f.assigned, nil }
func (f *fakeKafka) Commit(o []kafka.ConsumerOffset) error {
	f.mu.Lock()
	f.commitsStarted++
	if f.commitStarted != nil {
		close(f.commitStarted)
		f.commitStarted = nil
	}
	f.mu.Unlock()
	if f.commitRelease != nil {
		<-f.commitRelease
	}
	f.commits = append(f.commits, o)
	return nil
}
func (f *fakeKafka) Seek(o []kafka.ConsumerOffset) error { f.seeks = append(f.seeks, o...); return nil }
func (f *fakeKafka) Close() error {
	if f.closeRelease != nil {
		<-f.closeRelease
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	close(f.closedCh)
	return nil
}

// waitClosed waits for the instance's consumer to be closed (in the
// background); it fails the test if that does not happen within 5s.
func (f *fakeKafka) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-f.closedCh:
	case <-time.After(5 * time.Second):
		t.Fatal("the Kafka consumer was never closed")
	}
}

// returnsSoon fails the test if fn does not return within 5s: fn must not
// wait for a Kafka call that never ends.
func returnsSoon(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s waited for a Kafka call that does not end", what)
	}
}

func (f *fakeKafka) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func (f *fakeKafka) Poll(ctx context.Context, _ time.Duration, _, _ int, _ func(*kafka.Record) error) ([]kafka.Record, error) {
	f.polls++
	if f.pollStarted != nil {
		close(f.pollStarted)
		<-f.release
	}
	return f.records, nil
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newTestManager(t *testing.T, max int) (*Manager, *clock, map[string]*fakeKafka) {
	t.Helper()
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	fakes := map[string]*fakeKafka{}
	m := New(Options{
		Open: func(s kafka.ConsumerSettings) (Kafka, error) {
			f := &fakeKafka{settings: s, closedCh: make(chan struct{})}
			fakes[s.ClientID] = f
			return f, nil
		},
		IdleTimeout: time.Minute, MaxInstances: max, Now: clk.Now,
	})
	return m, clk, fakes
}

func status(err error) int {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func asAPI(err error) *apierr.Error {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e
	}
	return &apierr.Error{}
}

// nobody is the owner of instances created without one.
var nobody identity.Principal

func soon() time.Time { return time.Now().Add(5 * time.Second) }

func TestCreateNamesAndLimits(t *testing.T) {
	m, _, fakes := newTestManager(t, 2)
	inst, err := m.Create("g", "a", Settings{Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	if f := fakes["a"]; f == nil || f.settings.Group != "g" || f.settings.ClientID != "a" {
		t.Fatalf("consumer opened with %+v", fakes["a"])
	}
	if inst.Format != "json" {
		t.Errorf("format %q", inst.Format)
	}
	if _, err := m.Create("g", "a", Settings{}); status(err) != 409 {
		t.Errorf("duplicate name: %v, want 409", err)
	}
	if _, err := m.Create("other", "a", Settings{}); err != nil {
		t.Errorf("same name in another group: %v", err)
	}
	if _, err := m.Create("g", "", Settings{}); status(err) != 503 {
		t.Errorf("over max_instances: %v, want 503", err)
	}
	if err := m.Delete("other", "a", nobody); err != nil {
		t.Fatal(err)
	}
	m.bg.Wait() // a deleted instance counts until it has closed
	gen, err := m.Create("g", "", Settings{})
	if err != nil || gen.Name == "" {
		t.Fatalf("generated name: %q, %v", gen.Name, err)
	}
}

func TestDeleteClosesAndForgets(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	if err := m.Delete("g", "a", nobody); err != nil {
		t.Fatal(err)
	}
	fakes["a"].waitClosed(t)
	if _, err := m.Get("g", "a", nobody); status(err) != 404 {
		t.Errorf("get after delete: %v", err)
	}
	if err := m.Delete("g", "a", nobody); status(err) != 404 {
		t.Errorf("second delete: %v", err)
	}
	// A request holding the instance from before the delete sees it gone.
	if _, err := inst.Poll(context.Background(), soon(), PollOptions{MaxBytes: 100, MaxRecords: 10}); status(err) != 404 {
		t.Errorf("poll of a deleted instance: %v", err)
	}
}

func TestIdleInstancesExpire(t *testing.T) {
	m, clk, fakes := newTestManager(t, 10)
	m.Create("g", "idle", Settings{})
	m.Create("g", "used", Settings{})

	clk.add(50 * time.Second)
	if _, err := m.Get("g", "used", nobody); err != nil { // a request keeps it alive
		t.Fatal(err)
	}
	clk.add(20 * time.Second) // idle: 70 s unused; used: 20 s
	if n := m.Expire(clk.Now()); n != 1 {
		t.Fatalf("expired %d instances, want 1", n)
	}
	fakes["idle"].waitClosed(t) // in the background
	if fakes["used"].isClosed() {
		t.Error("closed the instance in use")
	}
	if _, err := m.Get("g", "idle", nobody); status(err) != 404 {
		t.Errorf("expired instance: %v, want 404", err)
	}
	if m.Len() != 1 {
		t.Errorf("%d instances left", m.Len())
	}
}

func TestBusyInstanceDoesNotExpire(t *testing.T) {
	m, clk, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	inst.Assign(context.Background(), soon(), []kafka.ConsumerPartition{{Topic: "t", Partition: 0}})
	f := fakes["a"]
	f.pollStarted, f.release = make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := inst.Poll(context.Background(), soon(), PollOptions{MaxBytes: 100, MaxRecords: 10})
		done <- err
	}()
	<-f.pollStarted
	clk.add(time.Hour)
	if n := m.Expire(clk.Now()); n != 0 {
		t.Errorf("expired a polling instance")
	}
	close(f.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.isClosed() {
		t.Error("closed while polling")
	}
}

func TestConcurrentRequestsWaitOrGiveUp(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	inst.Assign(context.Background(), soon(), []kafka.ConsumerPartition{{Topic: "t", Partition: 0}})
	f := fakes["a"]
	f.pollStarted, f.release = make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := inst.Poll(context.Background(), soon(), PollOptions{MaxBytes: 100, MaxRecords: 10})
		done <- err
	}()
	<-f.pollStarted
	// A second request whose budget is already spent does not wait.
	if _, err := inst.Poll(context.Background(), time.Now(), PollOptions{MaxBytes: 100, MaxRecords: 10}); !errors.Is(err, ErrBusy) {
		t.Errorf("second poll: %v, want ErrBusy", err)
	}
	close(f.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f.pollStarted = nil
	// Once the first is done the instance serves again.
	if _, err := inst.Poll(context.Background(), soon(), PollOptions{MaxBytes: 100, MaxRecords: 10}); err != nil {
		t.Errorf("poll after the first finished: %v", err)
	}
}

func TestSubscriptionConflicts(t *testing.T) {
	m, _, _ := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	ctx := context.Background()
	if _, err := inst.Poll(ctx, soon(), PollOptions{MaxBytes: 100, MaxRecords: 10}); status(err) != 409 {
		t.Errorf("poll before subscribing: %v, want 409", err)
	}
	if err := inst.Subscribe(ctx, soon(), []string{"t"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := inst.Subscribe(ctx, soon(), []string{"t", "u"}, ""); err != nil {
		t.Errorf("replacing a topic subscription: %v", err)
	}
	if err := inst.Subscribe(ctx, soon(), nil, "t.*"); !errors.Is(err, ErrConflict) {
		t.Errorf("pattern after topics: %v", err)
	}
	if err := inst.Assign(ctx, soon(), []kafka.ConsumerPartition{{Topic: "t"}}); !errors.Is(err, ErrConflict) {
		t.Errorf("assign while subscribed: %v", err)
	}
	topics, _, err := inst.Subscription(ctx, soon())
	if err != nil || len(topics) != 2 || topics[0] != "t" || topics[1] != "u" {
		t.Errorf("subscription %v, %v", topics, err)
	}
	if err := inst.Unsubscribe(ctx, soon()); err != nil {
		t.Fatal(err)
	}
	if err := inst.Assign(ctx, soon(), []kafka.ConsumerPartition{{Topic: "t"}}); err != nil {
		t.Errorf("assign after unsubscribe: %v", err)
	}
	if err := inst.Subscribe(ctx, soon(), []string{"t"}, ""); !errors.Is(err, ErrConflict) {
		t.Errorf("subscribe while assigned: %v", err)
	}
}

func TestSeekNeedsAssignedPartitions(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	ctx := context.Background()
	inst.Assign(ctx, soon(), []kafka.ConsumerPartition{{Topic: "t", Partition: 0}})
	err := inst.Seek(ctx, soon(), []kafka.ConsumerOffset{{Topic: "t", Partition: 0, Offset: 3}, {Topic: "t", Partition: 1, Offset: 3}})
	if status(err) != 404 {
		t.Errorf("seek of an unassigned partition: %v, want 404", err)
	}
	if len(fakes["a"].seeks) != 0 {
		t.Errorf("a refused seek moved partitions: %v", fakes["a"].seeks)
	}
	if err := inst.Seek(ctx, soon(), []kafka.ConsumerOffset{{Topic: "t", Partition: 0, Offset: kafka.OffsetBeginning}}); err != nil {
		t.Fatal(err)
	}
	if got := fakes["a"].seeks; len(got) != 1 || got[0].Offset != kafka.OffsetBeginning {
		t.Errorf("seeks %v", got)
	}
}

func TestCloseClosesAllAndRefusesNew(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	m.Create("g", "a", Settings{})
	m.Create("h", "b", Settings{})
	m.Close(time.Minute)
	if !fakes["a"].isClosed() || !fakes["b"].isClosed() {
		t.Error("not every instance was closed")
	}
	if _, err := m.Create("g", "c", Settings{}); status(err) != 503 {
		t.Errorf("create after close: %v", err)
	}
}

func TestInstancesServeOnlyTheirCreator(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	alice := identity.Principal{Type: identity.TypeAPIKey, ID: "alice"}
	bob := identity.Principal{Type: identity.TypeAPIKey, ID: "bob"}
	anon := identity.Anonymous
	if _, err := m.Create("g", "a", Settings{Owner: alice}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []identity.Principal{bob, anon, {Type: identity.TypeAnonymous, ID: "alice"}} {
		if _, err := m.Get("g", "a", p); !errors.Is(err, ErrNotFound) {
			t.Errorf("%+v got alice's instance: %v, want ErrNotFound", p, err)
		}
		if err := m.Delete("g", "a", p); !errors.Is(err, ErrNotFound) {
			t.Errorf("%+v deleted alice's instance: %v, want ErrNotFound", p, err)
		}
	}
	if fakes["a"].isClosed() || m.Len() != 1 {
		t.Fatal("another principal's delete closed the instance")
	}
	if _, err := m.Get("g", "a", alice); err != nil {
		t.Errorf("alice's own instance: %v", err)
	}
	// The name is taken whoever asks: creating it again is 409 for anyone.
	if _, err := m.Create("g", "a", Settings{Owner: bob}); !errors.Is(err, ErrExists) {
		t.Errorf("bob creating alice's name: %v, want ErrExists", err)
	}
}

func TestPollAsksAboutWhatTheInstanceReadsFirst(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	ctx := context.Background()
	f := fakes["a"]
	f.records = []kafka.Record{{Topic: "t", Offset: 1}}
	inst.Assign(ctx, soon(), []kafka.ConsumerPartition{{Topic: "u", Partition: 1}, {Topic: "t", Partition: 0}, {Topic: "u", Partition: 0}})
	denied := errors.New("denied")
	var asked []string
	o := PollOptions{MaxBytes: 100, MaxRecords: 10, Allow: func(topics []string, pattern string) error {
		asked = append([]string(nil), topics...)
		return denied
	}}
	if recs, err := inst.Poll(ctx, soon(), o); !errors.Is(err, denied) || recs != nil || f.polls != 0 {
		t.Fatalf("Poll = %v, %v after %d Kafka polls; want the denial before polling", recs, err, f.polls)
	}
	if len(asked) != 2 || asked[0] != "t" || asked[1] != "u" {
		t.Errorf("asked about %v, want [t u]", asked)
	}

	inst.Unsubscribe(ctx, soon())
	inst.Subscribe(ctx, soon(), []string{"v", "w"}, "")
	o.Allow = func(topics []string, pattern string) error { asked = topics; return denied }
	inst.Poll(ctx, soon(), o)
	if len(asked) != 2 || asked[0] != "v" || asked[1] != "w" {
		t.Errorf("asked about %v for a subscription to [v w]", asked)
	}
}

func TestDeleteDoesNotWaitForKafka(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	owner := identity.Principal{Type: identity.TypeAPIKey, ID: "alice"}
	inst, _ := m.Create("g", "a", Settings{Owner: owner})
	ctx := context.Background()
	inst.Assign(ctx, soon(), []kafka.ConsumerPartition{{Topic: "t"}})
	f := fakes["a"]
	f.pollStarted, f.release = make(chan struct{}), make(chan struct{})
	f.closeRelease = make(chan struct{})
	polled := make(chan error)
	go func() {
		_, err := inst.Poll(ctx, soon(), PollOptions{MaxBytes: 100, MaxRecords: 10})
		polled <- err
	}()
	<-f.pollStarted
	// The instance is serving a poll, and leaving the group will hang.
	returnsSoon(t, "Delete", func() {
		if err := m.Delete("g", "a", owner); err != nil {
			t.Errorf("delete: %v", err)
		}
	})
	if _, err := m.Get("g", "a", owner); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	if m.Len() != 0 {
		t.Errorf("%d instances after delete", m.Len())
	}
	close(f.release)
	if err := <-polled; err != nil {
		t.Errorf("the poll being served: %v", err)
	}
	if f.isClosed() {
		t.Error("closed before Kafka let it")
	}
	close(f.closeRelease)
	f.waitClosed(t)
}

// deadlineCtx is a context whose deadline the test passes by hand (end):
// Err is then context.DeadlineExceeded.
type deadlineCtx struct {
	context.Context
	done chan struct{}
}

func newDeadlineCtx() *deadlineCtx {
	return &deadlineCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *deadlineCtx) Deadline() (time.Time, bool) {
	select {
	case <-c.done:
		return time.Now().Add(-time.Second), true
	default:
		return time.Now().Add(time.Hour), true
	}
}
func (c *deadlineCtx) Done() <-chan struct{} { return c.done }
func (c *deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
func (c *deadlineCtx) end() { close(c.done) }

func TestCommitIsBoundedByTheRequest(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	inst.Assign(context.Background(), soon(), []kafka.ConsumerPartition{{Topic: "t"}})
	f := fakes["a"]
	f.commitRelease = make(chan struct{})
	started := make(chan struct{})
	ctx := newDeadlineCtx()
	f.commitStarted = started
	go func() { <-started; ctx.end() }() // the deadline passes during the commit
	var err error
	returnsSoon(t, "Commit", func() { err = inst.Commit(ctx, soon(), nil) })
	if status(err) != 504 || asAPI(err).Message != ErrCommitTimeout.Message {
		t.Fatalf("commit past its deadline: %v, want ErrCommitTimeout", err)
	}
	// The commit still runs: the instance is not used by another call meanwhile.
	if _, err := inst.Poll(context.Background(), time.Now(), PollOptions{MaxBytes: 100, MaxRecords: 10}); !errors.Is(err, ErrBusy) {
		t.Errorf("poll during the detached commit: %v, want ErrBusy", err)
	}
	close(f.commitRelease)
	if _, err := inst.Poll(context.Background(), soon(), PollOptions{MaxBytes: 100, MaxRecords: 10}); err != nil {
		t.Errorf("poll once the commit ended: %v", err)
	}
	if len(f.commits) != 1 {
		t.Errorf("%d commits", len(f.commits))
	}
}

// A commit whose deadline has passed before it starts (spent authorizing, or
// waiting for the instance) is not started: the answer is the deadline's
// error, and nothing is committed.
func TestCommitPastItsDeadlineDoesNotStart(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	inst.Assign(context.Background(), soon(), []kafka.ConsumerPartition{{Topic: "t"}})
	f := fakes["a"]
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	passed := &passedDeadlineCtx{Context: context.Background()} // Err not yet set
	for name, ctx := range map[string]context.Context{"ended": expired, "deadline passed": passed} {
		err := inst.Commit(ctx, soon(), []kafka.ConsumerOffset{{Topic: "t", Offset: 5}})
		if status(err) != 504 || !errors.Is(err, context.DeadlineExceeded) || asAPI(err).Message != ErrCommitNotStarted.Message {
			t.Errorf("%s: commit: %v, want a 504 that nothing was committed", name, err)
		}
	}
	if len(f.commits) != 0 || f.commitsStarted != 0 {
		t.Errorf("committed %v past the deadline", f.commits)
	}
	// Nothing detached: the instance serves the next request at once.
	if err := inst.Commit(context.Background(), time.Now(), nil); err != nil {
		t.Errorf("next commit: %v", err)
	}
}

// passedDeadlineCtx has a deadline in the past whose timer has not fired yet.
type passedDeadlineCtx struct{ context.Context }

func (passedDeadlineCtx) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

func TestCancelledWaitIsNotAConflict(t *testing.T) {
	m, _, fakes := newTestManager(t, 10)
	inst, _ := m.Create("g", "a", Settings{})
	inst.Assign(context.Background(), soon(), []kafka.ConsumerPartition{{Topic: "t"}})
	f := fakes["a"]
	f.pollStarted, f.release = make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := inst.Poll(context.Background(), soon(), PollOptions{MaxBytes: 100, MaxRecords: 10})
		done <- err
	}()
	<-f.pollStarted
	defer func() { close(f.release); <-done }()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	err := inst.Unsubscribe(cancelled, soon())
	if !errors.Is(err, context.Canceled) || status(err) == 409 {
		t.Errorf("a cancelled wait: %v, want context.Canceled and no 409", err)
	}
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if err := inst.Unsubscribe(expired, soon()); status(err) != 409 {
		t.Errorf("a wait past the request's deadline: %v, want 409 busy", err)
	}
}

func TestCloseIsBoundedAndLogsWhatDidNotClose(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	m, _, fakes := newTestManager(t, 10)
	m.opts.Log = zap.New(core)
	m.Create("g", "slow", Settings{})
	m.Create("g", "fast", Settings{})
	m.Create("g", "deleted", Settings{})
	fakes["slow"].closeRelease = make(chan struct{})
	fakes["deleted"].closeRelease = make(chan struct{})
	defer close(fakes["slow"].closeRelease)
	defer close(fakes["deleted"].closeRelease)
	m.Delete("g", "deleted", nobody)
	returnsSoon(t, "Close", func() { m.Close(10 * time.Millisecond) })
	if !fakes["fast"].isClosed() {
		t.Error("the instance that could close was not closed")
	}
	var named []string
	for _, e := range logs.All() {
		named = append(named, e.ContextMap()["instance"].(string))
	}
	if len(named) != 1 || named[0] != "slow" {
		t.Errorf("warned about %v, want [slow]", named)
	}
}

// An instance deleted or expired still counts toward max_instances until its
// consumer has left the group: a client looping create/delete against a slow
// broker cannot pile up consumers. Expire does not wait for the close, and
// Close waits for expiring instances as for deleted ones.
func TestClosingInstancesCount(t *testing.T) {
	for _, how := range []string{"deleted", "expired"} {
		t.Run(how, func(t *testing.T) {
			m, clk, fakes := newTestManager(t, 1)
			m.Create("g", "a", Settings{})
			f := fakes["a"]
			f.closeRelease = make(chan struct{})
			returnsSoon(t, how, func() {
				if how == "deleted" {
					if err := m.Delete("g", "a", nobody); err != nil {
						t.Errorf("delete: %v", err)
					}
					return
				}
				clk.add(time.Hour)
				if n := m.Expire(clk.Now()); n != 1 {
					t.Errorf("expired %d, want 1", n)
				}
			})
			if m.Len() != 0 {
				t.Errorf("%d instances, want none", m.Len())
			}
			_, err := m.Create("g", "b", Settings{})
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Status != 503 || ae.RetryAfter <= 0 {
				t.Fatalf("create while %s instance closes: %v, want 503 with Retry-After", how, err)
			}
			if _, ok := fakes["b"]; ok {
				t.Error("opened a consumer while full")
			}
			close(f.closeRelease)
			m.bg.Wait() // the background close has ended
			if _, err := m.Create("g", "b", Settings{}); err != nil {
				t.Fatalf("create once it closed: %v", err)
			}
			m.Close(5 * time.Second)
			if !fakes["b"].isClosed() || !f.isClosed() {
				t.Error("Close left an instance open")
			}
		})
	}
}

// Close waits for an expired instance still closing, within its budget.
func TestCloseWaitsForExpiringInstances(t *testing.T) {
	m, clk, fakes := newTestManager(t, 10)
	m.Create("g", "a", Settings{})
	f := fakes["a"]
	f.closeRelease = make(chan struct{})
	clk.add(time.Hour)
	returnsSoon(t, "Expire", func() { m.Expire(clk.Now()) })
	closed := make(chan struct{})
	go func() { m.Close(time.Minute); close(closed) }()
	close(f.closeRelease)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if !f.isClosed() {
		t.Error("Close returned before the expiring instance closed")
	}
}

// Close stops the janitor.
func TestCloseStopsTheJanitor(t *testing.T) {
	m, _, _ := newTestManager(t, 10)
	ran := make(chan struct{})
	go func() { defer close(ran); m.Run(context.Background()) }()
	m.Close(time.Second)
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("the janitor still runs after Close")
	}
}
