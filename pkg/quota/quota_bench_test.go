package quota

import (
	"fmt"
	"testing"
)

// BenchmarkTake is the take path of one produce: one key, both quotas.
func BenchmarkTake(b *testing.B) {
	l := New(Options{})
	r := Rates{Records: 1e12, Bytes: 1e15}
	b.ReportAllocs()
	for b.Loop() {
		l.Take(writer, r, Cost{Records: 10, Bytes: 1000})
	}
}

// BenchmarkTakeParallel takes from many keys at once, as concurrent
// requests of many principals do.
func BenchmarkTakeParallel(b *testing.B) {
	l := New(Options{})
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = Key{PrincipalType: "api_key", Principal: fmt.Sprint("key-", i), Cluster: "main", Topic: "orders", Operation: "WRITE"}
	}
	// Rates whose buckets do not refill between two takes of a key: a
	// bucket that has refilled may be dropped and made again.
	r := Rates{Records: 1e6, Bytes: 1e8}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Take(keys[i%len(keys)], r, Cost{Records: 10, Bytes: 1000})
			i++
		}
	})
}

// BenchmarkTakeNewKeys inserts a key per take into a full limiter: the
// eviction path.
func BenchmarkTakeNewKeys(b *testing.B) {
	l := New(Options{MaxBuckets: 4096})
	r := Rates{Records: 1}
	keys := make([]Key, 1<<16)
	for i := range keys {
		keys[i] = Key{Principal: fmt.Sprint(i)}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Take(keys[i%len(keys)], r, Cost{Records: 1})
		i++
	}
}
