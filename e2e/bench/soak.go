package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topicgate/topicgate/e2e/stack"
)

// The soak: one long mixed load on topicgate (one-record produces,
// 100-record produces and metadata GETs in turn, on every connection), with
// topicgate's RSS sampled throughout, to show whether its memory stays flat.

// soakWorkerOffset keeps the record ids of the 100-record requests apart from
// the one-record requests' ids of the same worker.
const soakWorkerOffset = 100000

// GrowthLimit is how much the last window's peak RSS may exceed the second
// window's (the first is warm-up) before the soak reports growth.
const GrowthLimit = 0.10

// Soak is the soak's result.
type Soak struct {
	DurationS    float64       `json:"duration_s"`
	Concurrency  int           `json:"concurrency"`
	Topic        string        `json:"topic"`
	Requests     int64         `json:"requests"`
	Errors       int64         `json:"errors"`
	FirstError   string        `json:"first_error,omitempty"`
	Records      int64         `json:"records"`
	Verification *Verification `json:"verification,omitempty"`
	// Windows split the run in equal parts, each with topicgate's RSS.
	Windows    []SoakWindow `json:"windows"`
	PeakRSSMiB float64      `json:"peak_rss_mib"`
	// GrowthPct is the last window's peak RSS over the second window's, in
	// percent (the first window is warm-up: pools and caches filling).
	GrowthPct float64 `json:"growth_pct"`
	Grew      bool    `json:"grew"`
}

// SoakWindow is one part of the soak.
type SoakWindow struct {
	EndS      float64 `json:"end_s"`
	Requests  int64   `json:"requests"`
	MinRSSMiB float64 `json:"min_rss_mib"`
	MaxRSSMiB float64 `json:"max_rss_mib"`
}

// rssSeries samples one process's VmRSS every interval, with the count of
// requests done so far.
type rssSeries struct {
	mu      sync.Mutex
	at      []time.Duration
	kib     []int64
	reqs    []int64
	stop    chan struct{}
	done    chan struct{}
	counter func() int64
}

func sampleRSS(pid int, interval time.Duration, counter func() int64) *rssSeries {
	s := &rssSeries{stop: make(chan struct{}), done: make(chan struct{}), counter: counter}
	start := time.Now()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.mu.Lock()
			s.at = append(s.at, time.Since(start))
			s.kib = append(s.kib, readStatus(pid, "VmRSS"))
			s.reqs = append(s.reqs, s.counter())
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSeries) finish() {
	close(s.stop)
	<-s.done
}

// SoakWindows splits samples (at, RSS KiB, requests done) into n windows of
// equal time over total and summarises each, and the growth of the last
// window's peak over the second's.
func SoakWindows(at []time.Duration, kib, reqs []int64, total time.Duration, n int) (ws []SoakWindow, growthPct float64) {
	if n < 3 || len(at) == 0 {
		return nil, 0
	}
	ws = make([]SoakWindow, n)
	var prevReqs int64
	for i := range ws {
		end := total * time.Duration(i+1) / time.Duration(n)
		w := &ws[i]
		w.EndS = round3(end.Seconds())
		var lastReqs int64 = -1
		for j := range at {
			lo := total * time.Duration(i) / time.Duration(n)
			if at[j] < lo || (at[j] >= end && i < n-1) {
				continue
			}
			mib := round3(float64(kib[j]) / 1024)
			if w.MinRSSMiB == 0 || mib < w.MinRSSMiB {
				w.MinRSSMiB = mib
			}
			w.MaxRSSMiB = max(w.MaxRSSMiB, mib)
			lastReqs = reqs[j]
		}
		if lastReqs >= 0 {
			w.Requests, prevReqs = lastReqs-prevReqs, lastReqs
		}
	}
	if base := ws[1].MaxRSSMiB; base > 0 {
		growthPct = round3((ws[n-1].MaxRSSMiB - base) / base * 100)
	}
	return ws, growthPct
}

// RunSoak runs the soak on topicgate at concurrency c for d on a fresh topic
// and verifies every acknowledged record in Kafka.
func RunSoak(ctx context.Context, log io.Writer, bootstrap string, tg System, partitions, c int, d time.Duration) (*Soak, error) {
	topic := fmt.Sprintf("bench-soak-c%d", c)
	if err := stack.CreateTopics(ctx, bootstrap, stack.TopicSpec{Name: topic, Partitions: partitions}); err != nil {
		return nil, err
	}
	ops := make([]Op, 0, 3)
	var dones []func()
	for _, name := range []string{"produce1-v3", "produce100-v3", "metadata"} {
		op, done, err := tg.Start(ctx, topic, workloadNamed(name), c)
		if err != nil {
			return nil, err
		}
		ops, dones = append(ops, op), append(dones, done)
	}
	defer func() {
		for _, done := range dones {
			done()
		}
	}()
	var requests atomic.Int64
	mixed := func(ctx context.Context, worker, seq int) Outcome {
		var o Outcome
		switch seq % 3 {
		case 0:
			o = ops[0](ctx, worker, seq/3)
		case 1:
			o = ops[1](ctx, worker+soakWorkerOffset, seq/3)
		default:
			o = ops[2](ctx, worker, seq/3)
		}
		requests.Add(1)
		return o
	}
	pid := 0
	for _, p := range tg.Procs() {
		if p.Name == "topicgate" {
			pid = p.Pid
		}
	}
	fmt.Fprintf(log, "bench: soak: topicgate, mixed produce1-v3/produce100-v3/metadata, c=%d, %s ...\n", c, d)
	series := sampleRSS(pid, time.Second, requests.Load)
	res := Load{Concurrency: c, Duration: d, MaxRequests: 1 << 40}.Run(ctx, mixed)
	series.finish()

	s := &Soak{
		DurationS: round3(res.Wall.Seconds()), Concurrency: c, Topic: topic,
		Requests: res.Requests, Errors: res.Errors, FirstError: res.FirstError, Records: res.Records,
	}
	for _, k := range series.kib {
		s.PeakRSSMiB = max(s.PeakRSSMiB, round3(float64(k)/1024))
	}
	windows := 5
	if d < 5*time.Minute {
		windows = 3
	}
	s.Windows, s.GrowthPct = SoakWindows(series.at, series.kib, series.reqs, res.Wall, windows)
	s.Grew = s.GrowthPct > GrowthLimit*100
	keys, err := ReadKeys(ctx, bootstrap, topic, 2*time.Minute)
	if err != nil {
		return s, fmt.Errorf("reading %s back: %w", topic, err)
	}
	v := Verify(res.Acked, keys)
	s.Verification = &v
	if err := DeleteTopic(ctx, bootstrap, topic); err != nil {
		fmt.Fprintf(log, "bench: deleting %s: %v\n", topic, err)
	}
	switch {
	case !v.OK:
		return s, fmt.Errorf("soak verification: %d acknowledged, %d in Kafka, %d missing, %d duplicated", v.Acked, v.InKafka, v.Missing, v.Duplicates)
	case res.Errors > 0:
		return s, fmt.Errorf("soak: %d of %d requests failed, first: %s", res.Errors, res.Requests, res.FirstError)
	}
	return s, nil
}

func workloadNamed(name string) Workload {
	for _, w := range Workloads {
		if w.Name == name {
			return w
		}
	}
	panic("bench: no workload " + name)
}

// WriteSoak writes the soak's summary as text.
func WriteSoak(out io.Writer, s *Soak) {
	if s == nil {
		return
	}
	ver := "-"
	if v := s.Verification; v != nil {
		ver = fmt.Sprintf("%d/%d", v.Acked-v.Missing, v.Acked)
	}
	fmt.Fprintf(out, "\nsoak: topicgate c=%d for %.0f s: %d requests, %d errors, %d records (verified %s)\n",
		s.Concurrency, s.DurationS, s.Requests, s.Errors, s.Records, ver)
	fmt.Fprintf(out, "  topicgate RSS MiB per window (min-max, requests):")
	for _, w := range s.Windows {
		fmt.Fprintf(out, "  [..%.0fs] %.0f-%.0f (%d)", w.EndS, w.MinRSSMiB, w.MaxRSSMiB, w.Requests)
	}
	verdict := "flat"
	if s.Grew {
		verdict = "GREW"
	}
	fmt.Fprintf(out, "\n  peak %.1f MiB; last window vs second: %+.1f%% (%s; limit +%.0f%%)\n", s.PeakRSSMiB, s.GrowthPct, verdict, GrowthLimit*100)
}
