package bench

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome is what one request (one unit of work) achieved.
type Outcome struct {
	Acked   []string // ids of the records acknowledged
	Records int      // records acknowledged, or 0 for a read
	Bytes   int64    // payload bytes acknowledged (key+value) or read (body)
	Err     error    // the request failed (or some of its records did)
}

// Op performs request number seq of worker (both from 0).
type Op func(ctx context.Context, worker, seq int) Outcome

// Load is a closed-loop load: Concurrency workers, each sending its next
// request as soon as the previous one is answered, until Duration has passed
// or MaxRequests have been started, whichever comes first.
type Load struct {
	Concurrency int
	Duration    time.Duration
	MaxRequests int64
}

// LoadResult is what a load achieved.
type LoadResult struct {
	Requests   int64
	OK         int64 // requests without error
	Errors     int64
	Records    int64
	Bytes      int64
	Acked      []string
	Latencies  []time.Duration // of every request, failed ones included
	Wall       time.Duration
	FirstError string
}

// Run applies the load with op. Requests in flight when the time is up are
// waited for (op's own timeout bounds them) and counted.
func (l Load) Run(ctx context.Context, op Op) LoadResult {
	type worker struct {
		lat                      []time.Duration
		acked                    []string
		ok, errs, records, bytes int64
		firstErr                 string
	}
	ws := make([]worker, l.Concurrency)
	var started atomic.Int64
	start := time.Now()
	deadline := start.Add(l.Duration)
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func(w *worker, id int) {
			defer wg.Done()
			for seq := 0; ; seq++ {
				if ctx.Err() != nil || !time.Now().Before(deadline) || started.Add(1) > l.MaxRequests {
					return
				}
				t0 := time.Now()
				o := op(ctx, id, seq)
				w.lat = append(w.lat, time.Since(t0))
				w.acked = append(w.acked, o.Acked...)
				w.records += int64(o.Records)
				w.bytes += o.Bytes
				if o.Err != nil {
					w.errs++
					if w.firstErr == "" {
						w.firstErr = o.Err.Error()
					}
				} else {
					w.ok++
				}
			}
		}(&ws[i], i)
	}
	wg.Wait()
	r := LoadResult{Wall: time.Since(start)}
	for _, w := range ws {
		r.OK += w.ok
		r.Errors += w.errs
		r.Records += w.records
		r.Bytes += w.bytes
		r.Acked = append(r.Acked, w.acked...)
		r.Latencies = append(r.Latencies, w.lat...)
		if r.FirstError == "" {
			r.FirstError = w.firstErr
		}
	}
	r.Requests = r.OK + r.Errors
	return r
}

// NewHTTPClient is a client tuned for a closed loop of concurrency
// connections to one host: keep-alive, as many idle connections kept as
// there are workers (so none is closed and reopened between requests), no
// compression, and a bound on each request.
func NewHTTPClient(concurrency int, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			MaxConnsPerHost:     concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}
