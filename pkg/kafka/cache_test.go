package kafka

import (
	"errors"
	"testing"
	"time"
)

func TestTTLCache(t *testing.T) {
	c := newTTLCache[int](50 * time.Millisecond)
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }

	if v, _ := c.get("a", load); v != 1 {
		t.Fatalf("first get = %d, want a load", v)
	}
	if v, _ := c.get("a", load); v != 1 || loads != 1 {
		t.Fatalf("fresh get = %d after %d loads, want the cached 1", v, loads)
	}
	if v, _ := c.get("b", load); v != 2 {
		t.Fatalf("another key = %d, want its own load", v)
	}
	time.Sleep(60 * time.Millisecond)
	if v, _ := c.get("a", load); v != 3 {
		t.Fatalf("stale get = %d, want a reload", v)
	}

	boom := errors.New("down")
	if _, err := c.get("c", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("failed load returned %v", err)
	}
	if v, err := c.get("c", load); err != nil || v != 4 {
		t.Fatalf("a failed load was cached: %d %v", v, err)
	}
}

// A load that began before forget (a change) does not store what it read.
func TestTTLCache_ForgetDuringALoad(t *testing.T) {
	c := newTTLCache[string](time.Hour)
	v, _ := c.get("t", func() (string, error) {
		c.forget("t") // the topic is altered while its old configs are read
		return "before", nil
	})
	if v != "before" {
		t.Fatalf("the loading caller got %q", v)
	}
	if v, _ := c.get("t", func() (string, error) { return "after", nil }); v != "after" {
		t.Errorf("next get = %q, want a fresh load", v)
	}
}
