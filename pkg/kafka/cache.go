package kafka

import (
	"sync"
	"time"
)

// ttlCache keeps values for a while, so that a burst of requests costs one
// metadata round trip. Failed loads are not cached: the next caller retries.
type ttlCache[T any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]entry[T]
	gen uint64 // bumped by forget: a load begun before it is not stored
}

type entry[T any] struct {
	v  T
	at time.Time
}

func newTTLCache[T any](ttl time.Duration) *ttlCache[T] {
	return &ttlCache[T]{ttl: ttl, m: map[string]entry[T]{}}
}

// get returns the value under key while it is fresh, else loads and keeps it.
// Concurrent misses may each load; the last one stored wins.
func (c *ttlCache[T]) get(key string, load func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && time.Since(e.at) < c.ttl {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen { // else a change happened meanwhile: v may predate it
		c.m[key] = entry[T]{v, time.Now()}
	}
	c.mu.Unlock()
	return v, nil
}

// forget drops key, so that the next get loads it afresh (after a change),
// and keeps loads that were under way from storing what they read before it.
func (c *ttlCache[T]) forget(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.gen++
	c.mu.Unlock()
}
