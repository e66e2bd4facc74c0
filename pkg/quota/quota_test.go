package quota

import (
	"fmt"
	"testing"
	"time"
)

// clock is a settable clock for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time             { return c.t }
func (c *clock) advance(d time.Duration)    { c.t = c.t.Add(d) }
func newClock() *clock                      { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func newLimiter(c *clock, max int) *Limiter { return New(Options{MaxBuckets: max, Now: c.now}) }

var writer = Key{PrincipalType: "api_key", Principal: "writer", Cluster: "main", Topic: "orders", Operation: "WRITE"}

func TestTake_BurstIsOneSecondThenTheRate(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 5}
	for i := range 5 {
		if res := l.Take(writer, r, Cost{Records: 1}); !res.Allowed {
			t.Fatalf("record %d of the burst refused: %+v", i, res)
		}
	}
	res := l.Take(writer, r, Cost{Records: 1})
	if res.Allowed || res.RetryAfter != 200*time.Millisecond {
		t.Fatalf("the 6th record: %+v, want refused with 200ms to wait", res)
	}
	if res.Records.Limit != 5 || res.Records.Remaining != 0 || res.Records.Reset != time.Second {
		t.Errorf("status %+v", res.Records)
	}
	c.advance(200 * time.Millisecond)
	if res := l.Take(writer, r, Cost{Records: 1}); !res.Allowed {
		t.Fatalf("after the wait: %+v", res)
	}
}

func TestTake_RefusedChargesNothing(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 10, Bytes: 100}
	l.Take(writer, r, Cost{Records: 1, Bytes: 100}) // empties the bytes bucket
	res := l.Take(writer, r, Cost{Records: 1, Bytes: 10})
	if res.Allowed || res.RetryAfter != 100*time.Millisecond {
		t.Fatalf("%+v, want refused for 100ms (bytes)", res)
	}
	if res.Records.Remaining != 9 {
		t.Errorf("a refusal took records: %v left, want 9", res.Records.Remaining)
	}
}

func TestTake_LargerThanTheBurstPassesWhenFullThenPaysOff(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 1}
	if res := l.Take(writer, r, Cost{Records: 3}); !res.Allowed || res.Records.Remaining != -2 {
		t.Fatalf("3 records into a full bucket of 1: %+v", res)
	}
	res := l.Take(writer, r, Cost{Records: 1})
	if res.Allowed || res.RetryAfter != 3*time.Second {
		t.Fatalf("%+v, want refused until the 2 owed and 1 more are back (3s)", res)
	}
	c.advance(2 * time.Second)
	if res := l.Take(writer, r, Cost{Records: 3}); res.Allowed || res.RetryAfter != time.Second {
		t.Fatalf("3 records before the bucket is full again: %+v", res)
	}
	c.advance(time.Second)
	if res := l.Take(writer, r, Cost{Records: 3}); !res.Allowed {
		t.Fatalf("3 records once the bucket is full: %+v", res)
	}
}

func TestTake_RateBelowOneHoldsOneUnit(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 0.5}
	if res := l.Take(writer, r, Cost{Records: 1}); !res.Allowed || res.Records.Limit != 1 {
		t.Fatalf("%+v", res)
	}
	if res := l.Take(writer, r, Cost{Records: 1}); res.Allowed || res.RetryAfter != 2*time.Second {
		t.Fatalf("%+v, want 2s to wait at half a record per second", res)
	}
}

func TestTake_KeysAreIndependent(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 1}
	l.Take(writer, r, Cost{Records: 1})
	others := []Key{
		{PrincipalType: "api_key", Principal: "other", Cluster: "main", Topic: "orders", Operation: "WRITE"},
		{PrincipalType: "api_key", Principal: "writer", Cluster: "main", Topic: "clicks", Operation: "WRITE"},
		{PrincipalType: "api_key", Principal: "writer", Cluster: "second", Topic: "orders", Operation: "WRITE"},
		{PrincipalType: "api_key", Principal: "writer", Cluster: "main", Topic: "orders", Operation: "READ"},
		{PrincipalType: "jwt", Principal: "writer", Cluster: "main", Topic: "orders", Operation: "WRITE"},
	}
	for _, k := range others {
		if res := l.Take(k, r, Cost{Records: 1}); !res.Allowed {
			t.Errorf("%+v shares writer's bucket: %+v", k, res)
		}
	}
}

func TestTake_UnsetRatesDoNotLimit(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	res := l.Take(writer, Rates{Bytes: 10}, Cost{Records: 1000, Bytes: 5})
	if !res.Allowed || res.Records != (Status{}) || res.Bytes.Remaining != 5 {
		t.Fatalf("%+v", res)
	}
}

func TestTake_RateChangeAppliesToTheExistingBucket(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	l.Take(writer, Rates{Records: 10}, Cost{Records: 10}) // empty
	// A lower rate shrinks the bucket; what was owed stays owed.
	res := l.Take(writer, Rates{Records: 2}, Cost{Records: 1})
	if res.Allowed || res.Records.Limit != 2 || res.RetryAfter != 500*time.Millisecond {
		t.Fatalf("%+v", res)
	}
	// A quota set for the first time starts full.
	if res := l.Take(writer, Rates{Records: 2, Bytes: 50}, Cost{}); !res.Allowed || res.Bytes.Remaining != 50 {
		t.Fatalf("%+v", res)
	}
}

func TestRefund_GivesBackUpToTheBucketSize(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 4, Bytes: 400}
	l.Take(writer, r, Cost{Records: 4, Bytes: 400})
	l.Refund(writer, r, Cost{Records: 3, Bytes: 300})
	res := l.Take(writer, r, Cost{Records: 3, Bytes: 300})
	if !res.Allowed || res.Records.Remaining != 0 {
		t.Fatalf("after a refund of 3: %+v", res)
	}
	l.Refund(writer, r, Cost{Records: 100, Bytes: 100000})
	if res := l.Take(writer, r, Cost{}); res.Records.Remaining != 4 || res.Bytes.Remaining != 400 {
		t.Fatalf("a refund overfilled the bucket: %+v", res)
	}
	// A refund for a key without a bucket makes none.
	l.Refund(Key{Principal: "nobody"}, r, Cost{Records: 1})
	if n := l.Len(); n != 1 {
		t.Errorf("%d buckets, want 1", n)
	}
}

func TestCharge_GoesBelowZeroAndBlocksUntilPaid(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 10}
	res := l.Charge(writer, r, Cost{Records: 25})
	if res.Records.Remaining != -15 || res.Records.Reset != 2500*time.Millisecond {
		t.Fatalf("%+v", res)
	}
	if res := l.Take(writer, r, Cost{Records: 1}); res.Allowed || res.RetryAfter != 1600*time.Millisecond {
		t.Fatalf("%+v", res)
	}
}

func TestBuckets_IdleOnesAreDropped(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 10)
	r := Rates{Records: 1}
	key := func(i int) Key { return Key{Principal: fmt.Sprint(i)} }
	for i := range 3 {
		l.Take(key(i), r, Cost{Records: 1})
	}
	c.advance(time.Second) // all three refilled, but not idle for long
	l.Take(key(3), r, Cost{Records: 1})
	if n := l.Len(); n != 4 {
		t.Fatalf("%d buckets, want 4: refilled ones are kept a while", n)
	}
	c.advance(DefaultIdleAfter)
	l.Take(key(1), r, Cost{Records: 1}) // in use again
	l.Take(key(4), r, Cost{Records: 1}) // drops two idle ones, 0 and 2
	l.Take(key(5), r, Cost{Records: 1}) // drops 3
	if n, ev := l.Len(), l.Evicted(); n != 3 || ev != 0 {
		t.Fatalf("%d buckets, %d evicted; want 3 (1, 4, 5), none evicted", n, ev)
	}
	if res := l.Take(key(1), r, Cost{Records: 1}); res.Allowed {
		t.Errorf("key 1's bucket was dropped while in use")
	}
}

func TestBuckets_AtTheCapARefilledOneGoesWithoutLoss(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 2)
	r := Rates{Records: 1}
	a, b, d := Key{Principal: "a"}, Key{Principal: "b"}, Key{Principal: "d"}
	l.Take(a, r, Cost{Records: 1})
	c.advance(time.Second) // a refilled
	l.Take(b, r, Cost{Records: 1})
	l.Take(d, r, Cost{Records: 1}) // drops a, the least recently used, full
	if n, ev := l.Len(), l.Evicted(); n != 2 || ev != 0 {
		t.Fatalf("%d buckets, %d evicted; want 2 and none evicted", n, ev)
	}
}

func TestBuckets_CapEvictsTheLeastRecentlyUsed(t *testing.T) {
	c := newClock()
	l := newLimiter(c, 2)
	r := Rates{Records: 1}
	a, b, d := Key{Principal: "a"}, Key{Principal: "b"}, Key{Principal: "d"}
	l.Take(a, r, Cost{Records: 1})
	l.Take(b, r, Cost{Records: 1})
	l.Take(a, r, Cost{Records: 1}) // refused, but a is now the most recent
	l.Take(d, r, Cost{Records: 1}) // evicts b, which had not refilled
	if n, ev := l.Len(), l.Evicted(); n != 2 || ev != 1 {
		t.Fatalf("%d buckets, %d evicted; want 2 and 1", n, ev)
	}
	if res := l.Take(a, r, Cost{Records: 1}); res.Allowed {
		t.Errorf("a was evicted instead of b")
	}
}

func TestNew_LargeCapsAreSharded(t *testing.T) {
	l := New(Options{})
	if len(l.shards) != 16 || l.perShard*16 > DefaultMaxBuckets {
		t.Fatalf("%d shards of %d", len(l.shards), l.perShard)
	}
	for i := range 1000 {
		l.Take(Key{Principal: fmt.Sprint(i)}, Rates{Records: 1}, Cost{Records: 1})
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("%d buckets, want 1000", n)
	}
}
