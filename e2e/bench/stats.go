package bench

import (
	"math"
	"slices"
	"time"
)

// Latency is a latency summary in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Percentile is the nearest-rank percentile p (0 < p <= 100) of sorted
// durations: the smallest value with at least p% of the values at or below
// it. It is 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summarize sorts the latencies in place and summarizes them.
func Summarize(lat []time.Duration) Latency {
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
	var l Latency
	if len(lat) == 0 {
		return l
	}
	l.P50 = ms(Percentile(lat, 50))
	l.P90 = ms(Percentile(lat, 90))
	l.P99 = ms(Percentile(lat, 99))
	l.Max = ms(lat[len(lat)-1])
	return l
}

// Rates are the throughputs of a run: per second, over its wall time.
type Rates struct {
	RequestsPerS float64 `json:"requests_per_s"`
	RecordsPerS  float64 `json:"records_per_s"`
	MBPerS       float64 `json:"mb_per_s"` // 10^6 bytes of payload per second
}

// ComputeRates divides what succeeded by the wall time.
func ComputeRates(okRequests, records, payloadBytes int64, wall time.Duration) Rates {
	s := wall.Seconds()
	if s <= 0 {
		return Rates{}
	}
	return Rates{
		RequestsPerS: round3(float64(okRequests) / s),
		RecordsPerS:  round3(float64(records) / s),
		MBPerS:       round3(float64(payloadBytes) / s / 1e6),
	}
}

// Ratio is a/b rounded to three places, or nil when b is 0 (no baseline).
func Ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := round3(a / b)
	return &r
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
