// Package quota enforces rates (records and bytes per second) with token
// buckets, one pair per key (principal, cluster, topic, operation). Memory is
// bounded: idle buckets (refilled, since a full bucket is the same as no
// bucket, and unused for a while) are dropped, and the number of buckets is
// capped. It knows nothing of
// HTTP or policies; the clock is injected so tests need no sleeps.
package quota

import (
	"container/list"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Key names one quota holder: who does what where.
type Key struct {
	PrincipalType, Principal string
	Cluster, Topic           string
	Operation                string // e.g. WRITE for produce, READ for reads
}

// Rates are a key's quotas, per second. A zero rate does not limit.
type Rates struct {
	Records float64
	Bytes   float64
}

// Limited tells whether any rate is set.
func (r Rates) Limited() bool { return r.Records > 0 || r.Bytes > 0 }

// Cost is what a request takes from the buckets.
type Cost struct {
	Records int64
	Bytes   int64
}

// Options configure a Limiter.
type Options struct {
	// MaxBuckets caps the number of keys held. When it is reached, buckets
	// that have refilled are dropped first, then the least recently used.
	MaxBuckets int
	// IdleAfter is how long a refilled bucket stays unused before it may be
	// dropped; DefaultIdleAfter when 0. Keeping it a while spares the keys
	// in use the cost of making their bucket again at every request.
	IdleAfter time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultIdleAfter is IdleAfter when Options leave it 0.
const DefaultIdleAfter = time.Minute

// DefaultMaxBuckets is the cap when Options.MaxBuckets is 0.
const DefaultMaxBuckets = 100_000

// Limiter holds the buckets. It is safe for concurrent use.
type Limiter struct {
	shards   []shard
	perShard int
	idle     time.Duration
	seed     maphash.Seed
	now      func() time.Time
	evicted  atomic.Int64 // buckets dropped before they had refilled
}

// shard is a part of the keys with its own lock, so that concurrent
// requests for different keys rarely wait for each other.
type shard struct {
	mu  sync.Mutex
	m   map[Key]*list.Element
	lru list.List // of *entry, most recently used first
}

// entry is one key's pair of buckets.
type entry struct {
	key            Key
	records, bytes bucket
	at             time.Time // when tokens were last brought up to date
	fullAt         time.Time // when both buckets will be full again
}

// New returns a Limiter.
func New(opts Options) *Limiter {
	if opts.MaxBuckets <= 0 {
		opts.MaxBuckets = DefaultMaxBuckets
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleAfter <= 0 {
		opts.IdleAfter = DefaultIdleAfter
	}
	// Small caps get one shard, so that the cap is exact; large ones up to
	// 16, each with an equal part.
	n := min(16, max(1, opts.MaxBuckets/1024))
	l := &Limiter{shards: make([]shard, n), perShard: opts.MaxBuckets / n, idle: opts.IdleAfter, seed: maphash.MakeSeed(), now: opts.Now}
	for i := range l.shards {
		l.shards[i].m = map[Key]*list.Element{}
	}
	return l
}

// Status is the state of one quota after a call.
type Status struct {
	Limit     float64       // the bucket's size (the burst), 0 when the rate is not set
	Remaining float64       // tokens left; below 0 while a large request is paid off
	Reset     time.Duration // until the bucket is full again
}

// Result is the outcome of Take.
type Result struct {
	Allowed bool
	// RetryAfter is, when refused, how long until the same request would
	// pass (with no other use meanwhile).
	RetryAfter     time.Duration
	Records, Bytes Status
}

// Take charges cost to key's buckets if each set rate can afford it, or
// charges nothing and says how long to wait. A bucket holds one second's
// worth of its rate (at least one unit). A request that costs more than a
// full bucket passes when the bucket is full, and the bucket goes below zero:
// the excess is paid off before the next request passes, so any request
// passes eventually and the long-run rate holds.
func (l *Limiter) Take(k Key, r Rates, c Cost) Result {
	s, e := l.entry(k, r, true)
	defer s.mu.Unlock()
	res := Result{Allowed: true}
	for _, b := range []struct {
		b    *bucket
		cost int64
	}{{&e.records, c.Records}, {&e.bytes, c.Bytes}} {
		if wait := b.b.wait(float64(b.cost)); wait > 0 {
			res.Allowed = false
			res.RetryAfter = max(res.RetryAfter, wait)
		}
	}
	if res.Allowed {
		e.records.tokens -= float64(c.Records)
		e.bytes.tokens -= float64(c.Bytes)
	}
	return l.finish(e, res)
}

// Charge takes cost from key's buckets without asking: for what was read
// before its size was known. The buckets may go below zero.
func (l *Limiter) Charge(k Key, r Rates, c Cost) Result {
	s, e := l.entry(k, r, true)
	defer s.mu.Unlock()
	e.records.tokens -= float64(c.Records)
	e.bytes.tokens -= float64(c.Bytes)
	return l.finish(e, Result{Allowed: true})
}

// Refund gives back what Take charged for work that was not done (records
// Kafka did not write). A bucket never holds more than its size.
func (l *Limiter) Refund(k Key, r Rates, c Cost) {
	s, e := l.entry(k, r, false)
	if e == nil {
		s.mu.Unlock() // dropped meanwhile: it was full, nothing to give back
		return
	}
	defer s.mu.Unlock()
	e.records.tokens = min(e.records.capacity, e.records.tokens+float64(c.Records))
	e.bytes.tokens = min(e.bytes.capacity, e.bytes.tokens+float64(c.Bytes))
	l.finish(e, Result{})
}

// Len is the number of buckets held.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Evicted counts buckets dropped to keep within the cap before they had
// refilled (their holders got a fresh, full bucket): the cap is too small.
func (l *Limiter) Evicted() int64 { return l.evicted.Load() }

// entry finds (or, with create, makes) key's entry, brought up to date with
// the clock and the rates, and returns it with its shard locked.
func (l *Limiter) entry(k Key, r Rates, create bool) (*shard, *entry) {
	now := l.now()
	s := &l.shards[maphash.Comparable(l.seed, k)%uint64(len(l.shards))]
	s.mu.Lock()
	el, ok := s.m[k]
	if !ok {
		if !create {
			return s, nil
		}
		l.makeRoom(s, now)
		e := &entry{key: k, at: now}
		e.records.set(r.Records, true)
		e.bytes.set(r.Bytes, true)
		s.m[k] = s.lru.PushFront(e)
		return s, e
	}
	s.lru.MoveToFront(el)
	e := el.Value.(*entry)
	elapsed := now.Sub(e.at).Seconds()
	e.at = now
	e.records.refill(elapsed)
	e.bytes.refill(elapsed)
	e.records.set(r.Records, false)
	e.bytes.set(r.Bytes, false)
	return s, e
}

// makeRoom drops idle buckets from the cold end of the shard, then, if the
// shard is still full, the least recently used one.
func (l *Limiter) makeRoom(s *shard, now time.Time) {
	for range 2 { // a few per insertion keep the shard tidy at O(1) cost
		back := s.lru.Back()
		if back == nil || !l.idleAt(back.Value.(*entry), now) {
			break
		}
		l.drop(s, back)
	}
	if len(s.m) >= l.perShard {
		back := s.lru.Back()
		if now.Before(back.Value.(*entry).fullAt) {
			l.evicted.Add(1) // its holder gets more than its rate
		}
		l.drop(s, back)
	}
}

// idleAt tells whether e is full and has been unused for the idle time.
func (l *Limiter) idleAt(e *entry, now time.Time) bool {
	return !now.Before(e.fullAt) && now.Sub(e.at) >= l.idle
}

func (l *Limiter) drop(s *shard, el *list.Element) {
	delete(s.m, el.Value.(*entry).key)
	s.lru.Remove(el)
}

// finish fills in the statuses and notes when the entry will be full.
func (l *Limiter) finish(e *entry, res Result) Result {
	res.Records, res.Bytes = e.records.status(), e.bytes.status()
	e.fullAt = e.at.Add(max(res.Records.Reset, res.Bytes.Reset))
	return res
}

// bucket is one token bucket. rate 0: unused.
type bucket struct {
	rate, capacity, tokens float64
}

// set applies a (possibly changed) rate: the bucket holds one second's
// worth, at least one unit. A new bucket starts full.
func (b *bucket) set(rate float64, fresh bool) {
	if rate <= 0 {
		*b = bucket{}
		return
	}
	wasUnused := b.rate == 0
	b.rate, b.capacity = rate, max(rate, 1)
	if fresh || wasUnused {
		b.tokens = b.capacity
	}
	b.tokens = min(b.tokens, b.capacity)
}

func (b *bucket) refill(seconds float64) {
	if b.rate > 0 && seconds > 0 {
		b.tokens = min(b.capacity, b.tokens+seconds*b.rate)
	}
}

// wait is how long until the bucket can afford cost; a cost above the
// bucket's size needs a full bucket.
func (b *bucket) wait(cost float64) time.Duration {
	if b.rate <= 0 {
		return 0
	}
	need := min(cost, b.capacity)
	if b.tokens >= need {
		return 0
	}
	return seconds((need - b.tokens) / b.rate)
}

func (b *bucket) status() Status {
	if b.rate <= 0 {
		return Status{}
	}
	return Status{Limit: b.capacity, Remaining: b.tokens, Reset: seconds((b.capacity - b.tokens) / b.rate)}
}

// seconds converts, rounding up to the nanosecond so a wait is never short.
func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
