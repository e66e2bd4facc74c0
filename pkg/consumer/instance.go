package consumer

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
)

// mode is what an instance reads: nothing yet, a topic list, a pattern, or
// partitions assigned by hand. The three are mutually exclusive.
type mode int

const (
	modeNone mode = iota
	modeTopics
	modePattern
	modeAssigned
)

// Instance is one consumer instance. Its requests are serialized: each holds
// the instance for the length of one bounded Kafka call.
type Instance struct {
	Group, Name string
	// Format is the embedded format of its records (json, binary, text).
	Format string
	// RequestTimeout is the poll wait when a poll names none (0: none chosen).
	RequestTimeout time.Duration

	owner    identity.Principal // who created it: the only principal it serves
	m        *Manager
	k        Kafka
	sem      chan struct{} // held by the request being served
	lastUsed atomic.Int64  // unix nanoseconds
	gone     atomic.Bool   // removed from the manager: later requests see ErrNotFound

	// Guarded by sem.
	mode    mode
	topics  []string
	pattern string
	closed  bool
	// detached, when set, is a Kafka call its request stopped waiting for
	// (a commit past the request's deadline): the instance stays held until
	// it ends, so the consumer is never used by two calls at once.
	detached <-chan struct{}
}

func (i *Instance) touch() { i.lastUsed.Store(i.m.opts.Now().UnixNano()) }

func (i *Instance) idleSince(cutoff time.Time) bool { return i.lastUsed.Load() < cutoff.UnixNano() }

// do runs fn holding the instance. It waits for a request being served until
// by or ctx's deadline, then gives up with ErrBusy, so no request waits past
// its own budget. A cancelled request (the client went away) is not a
// conflict: it gets ctx's error.
func (i *Instance) do(ctx context.Context, by time.Time, fn func() error) error {
	if !i.tryAcquire() {
		t := time.NewTimer(time.Until(by))
		defer t.Stop()
		select {
		case i.sem <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ErrBusy.Wrap(ctx.Err())
			}
			return ctx.Err()
		}
	}
	defer i.release()
	if i.closed || i.gone.Load() { // deleted or expired while we waited
		return ErrNotFound
	}
	return fn()
}

// release lets the next request have the instance, or, when a Kafka call
// was detached from its request, once that call ends.
func (i *Instance) release() {
	i.touch()
	if d := i.detached; d != nil {
		i.detached = nil
		go func() { <-d; i.touch(); <-i.sem }()
		return
	}
	<-i.sem
}

// tryAcquire takes the instance if no request holds it.
func (i *Instance) tryAcquire() bool {
	select {
	case i.sem <- struct{}{}:
		return true
	default:
		return false
	}
}

// closeAsync closes the instance in the background once no request holds it
// (held: the caller holds it already) and returns a channel closed when the
// consumer has left its group and is freed, and no longer counts as leaving.
// The instance has been removed from the manager (remove, Close).
func (i *Instance) closeAsync(why string, held bool) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !held {
			i.sem <- struct{}{}
		}
		i.close(why)
		i.m.closed()
	}()
	return done
}

// close closes the Kafka consumer. The caller holds sem.
func (i *Instance) close(why string) {
	i.closed = true
	log := i.m.opts.Log.With(zap.String("group", i.Group), zap.String("instance", i.Name), zap.String("reason", why))
	if err := i.k.Close(); err != nil {
		log.Warn("closing consumer instance", zap.Error(err))
	}
	if why == "expired" {
		log.Info("consumer instance expired after being idle", zap.Duration("idle_timeout", i.m.opts.IdleTimeout))
	} else {
		log.Info("consumer instance closed")
	}
	<-i.sem
}

// Subscribe subscribes to topics, or to the topics matching pattern. It
// replaces a subscription of the same kind; mixing kinds, or subscribing
// while partitions are assigned, is ErrConflict.
func (i *Instance) Subscribe(ctx context.Context, by time.Time, topics []string, pattern string) error {
	return i.do(ctx, by, func() error {
		want := modeTopics
		if pattern != "" {
			want = modePattern
		}
		if i.mode != modeNone && i.mode != want {
			return ErrConflict
		}
		var err error
		if want == modePattern {
			err = i.k.SubscribePattern(pattern)
		} else {
			err = i.k.Subscribe(topics)
		}
		if err != nil {
			return clientError(err)
		}
		i.mode, i.topics, i.pattern = want, append([]string(nil), topics...), pattern
		return nil
	})
}

// Assign assigns partitions by hand, replacing an earlier assignment; while
// subscribed it is ErrConflict.
func (i *Instance) Assign(ctx context.Context, by time.Time, parts []kafka.ConsumerPartition) error {
	return i.do(ctx, by, func() error {
		if i.mode == modeTopics || i.mode == modePattern {
			return ErrConflict
		}
		if err := i.k.Assign(parts); err != nil {
			return clientError(err)
		}
		i.mode, i.topics, i.pattern = modeAssigned, nil, ""
		return nil
	})
}

// Unsubscribe ends a subscription or an assignment.
func (i *Instance) Unsubscribe(ctx context.Context, by time.Time) error {
	return i.do(ctx, by, func() error {
		var err error
		switch i.mode {
		case modeTopics, modePattern:
			err = i.k.Unsubscribe()
		case modeAssigned:
			err = i.k.Unassign()
		}
		if err != nil {
			return clientError(err)
		}
		i.mode, i.topics, i.pattern = modeNone, nil, ""
		return nil
	})
}

// Subscription is what the instance reads: the topics it subscribed to (for
// a pattern, the topics of its assignment) and the partitions it holds, by
// topic, sorted.
func (i *Instance) Subscription(ctx context.Context, by time.Time) (topics []string, parts map[string][]int32, err error) {
	err = i.do(ctx, by, func() error {
		assigned, err := i.k.Assignment()
		if err != nil {
			return clientError(err)
		}
		parts = map[string][]int32{}
		for _, p := range assigned {
			parts[p.Topic] = append(parts[p.Topic], p.Partition)
		}
		for _, ps := range parts {
			sort.Slice(ps, func(a, b int) bool { return ps[a] < ps[b] })
		}
		switch i.mode {
		case modeTopics:
			topics = append([]string(nil), i.topics...)
		case modePattern:
			for t := range parts {
				topics = append(topics, t)
			}
		}
		sort.Strings(topics)
		return nil
	})
	return topics, parts, err
}

// PollOptions bound a poll and decide what it may return.
type PollOptions struct {
	MaxBytes, MaxRecords int
	// Allow, if not nil, is asked before polling about what the instance
	// reads now: the topics of its subscription (for a pattern, the pattern
	// and the topics of its assignment) or of its assignment. Its error ends
	// the poll, which then consumes nothing.
	Allow func(topics []string, pattern string) error
	// Accept, if not nil, decides each record before it is consumed: a
	// refused first record is the poll's error and consumes nothing; a later
	// one is left for the next poll.
	Accept func(*kafka.Record) error
}

// Poll returns the records available until by (see kafka.Consumer.Poll).
func (i *Instance) Poll(ctx context.Context, by time.Time, o PollOptions) ([]kafka.Record, error) {
	var recs []kafka.Record
	err := i.do(ctx, by, func() error {
		if i.mode == modeNone {
			return ErrNoTopics
		}
		if o.Allow != nil {
			topics := i.topics
			if i.mode != modeTopics {
				assigned, err := i.k.Assignment()
				if err != nil {
					return clientError(err)
				}
				topics = assignedTopics(assigned)
			}
			if err := o.Allow(topics, i.pattern); err != nil {
				return err
			}
		}
		var err error
		recs, err = i.k.Poll(ctx, max(time.Until(by), 0), o.MaxBytes, o.MaxRecords, o.Accept)
		return clientError(err)
	})
	return recs, err
}

// assignedTopics is the distinct topics of partitions, sorted.
func assignedTopics(parts []kafka.ConsumerPartition) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range parts {
		if !seen[p.Topic] {
			seen[p.Topic] = true
			out = append(out, p.Topic)
		}
	}
	sort.Strings(out)
	return out
}

// Commit commits offsets, or with none the offsets after the records
// returned so far. Kafka's commit is synchronous and cannot be cancelled: a
// commit whose request has ended, or whose deadline has passed, before it
// starts is not started (ErrCommitNotStarted for the deadline); when ctx's
// deadline passes during it, Commit answers ErrCommitTimeout (the commit may
// or may not be applied) and the instance stays held until the commit ends.
func (i *Instance) Commit(ctx context.Context, by time.Time, offsets []kafka.ConsumerOffset) error {
	return i.do(ctx, by, func() error {
		if len(offsets) == 0 && i.mode == modeNone {
			return nil // nothing consumed
		}
		if err := ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return ErrCommitNotStarted.Wrap(err)
			}
			return err
		}
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return ErrCommitNotStarted.Wrap(context.DeadlineExceeded)
		}
		done := make(chan error, 1)
		go func() { done <- i.k.Commit(offsets) }()
		select {
		case err := <-done:
			return clientError(err)
		case <-ctx.Done():
		}
		ended := make(chan struct{})
		i.detached = ended
		log := i.m.opts.Log
		go func() {
			defer close(ended)
			err := <-done
			log.Info("a commit ended after its request stopped waiting", zap.String("group", i.Group),
				zap.String("instance", i.Name), zap.NamedError("result", err))
		}()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ErrCommitTimeout.Wrap(ctx.Err())
		}
		return ctx.Err()
	})
}

// Seek moves assigned partitions to offsets (or kafka.OffsetBeginning,
// kafka.OffsetEnd). A partition the instance does not hold is a 404, as the
// bridge answers, and nothing moves.
func (i *Instance) Seek(ctx context.Context, by time.Time, offsets []kafka.ConsumerOffset) error {
	return i.do(ctx, by, func() error {
		assigned, err := i.k.Assignment()
		if err != nil {
			return clientError(err)
		}
		held := map[kafka.ConsumerPartition]bool{}
		for _, p := range assigned {
			held[p] = true
		}
		for _, o := range offsets {
			if !held[kafka.ConsumerPartition{Topic: o.Topic, Partition: o.Partition}] {
				return apierr.New(http.StatusNotFound, 404,
					"The consumer instance is not assigned partition %d of topic %s (a subscription's partitions are assigned by the first polls).",
					o.Partition, o.Topic)
			}
		}
		return clientError(i.k.Seek(offsets))
	})
}

// clientError maps a Kafka error for the client; nil stays a nil error.
func clientError(err error) error {
	if err == nil {
		return nil
	}
	return kafka.ClientError(err)
}
