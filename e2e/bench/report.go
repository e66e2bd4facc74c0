package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the JSON document of a benchmark run.
type Report struct {
	Started  time.Time    `json:"started"`
	Machine  Machine      `json:"machine"`
	Settings Settings     `json:"settings"`
	Systems  []SystemInfo `json:"systems"`
	Results  []Row        `json:"results"` // one per (system, workload, concurrency)
	Failures []string     `json:"failures"`
	Soak     *Soak        `json:"soak,omitempty"`
}

// Machine is what the run ran on.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	MemoryGiB int    `json:"memory_gib"`
	GoVersion string `json:"go_version"`
	Envoy     string `json:"envoy"`
	Kafka     string `json:"kafka"`
}

// Settings are the run's parameters.
type Settings struct {
	Concurrencies  []int   `json:"concurrencies"`
	DurationS      float64 `json:"duration_s"` // of each (system, workload, concurrency)
	MaxRequests    int64   `json:"max_requests"`
	Partitions     int     `json:"partitions"`
	ValueBytes     int     `json:"value_bytes"`
	Quick          bool    `json:"quick"`
	ProducerConfig string  `json:"producer_config"`
}

// SystemInfo says what a system is and whether it ran.
type SystemInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Available   bool   `json:"available"`
	Reason      string `json:"reason,omitempty"`
}

// Row is the figures of one (system, workload, concurrency).
type Row struct {
	System            string  `json:"system"`
	Workload          string  `json:"workload"`
	API               string  `json:"api,omitempty"`
	RecordsPerRequest int     `json:"records_per_request"`
	Concurrency       int     `json:"concurrency"`
	Topic             string  `json:"topic"`
	WallS             float64 `json:"wall_s"`
	Requests          int64   `json:"requests"`
	Errors            int64   `json:"errors"`
	FirstError        string  `json:"first_error,omitempty"`
	Records           int64   `json:"records"` // acknowledged
	Rates
	Latency      Latency           `json:"latency"`
	Verification *Verification     `json:"verification,omitempty"`
	Processes    []ProcUsage       `json:"processes"`
	Vs           map[string]Versus `json:"vs,omitempty"` // topicgate against each baseline system
}

// Versus is topicgate against a baseline system in the same run, same
// workload (or the same work, for the direct producer) and concurrency.
type Versus struct {
	Workload     string   `json:"workload"`                // the baseline's row
	RecordsPerS  *float64 `json:"records_per_s,omitempty"` // topicgate / baseline
	RequestsPerS *float64 `json:"requests_per_s,omitempty"`
	P50AddedMs   float64  `json:"p50_added_ms"` // topicgate p50 - baseline p50
	P99          *float64 `json:"p99,omitempty"`
}

// Subject is the system the ratios are of.
const Subject = "topicgate"

// AddRatios fills each topicgate row's Vs with each other system's row of
// the same concurrency and the same workload, or (for a baseline without
// the HTTP API, the direct producer) the workload's base.
func AddRatios(rows []Row, workloads []Workload) {
	base := map[string]string{}
	for _, w := range workloads {
		base[w.Name] = w.Base
	}
	for i := range rows {
		r := &rows[i]
		if r.System != Subject {
			continue
		}
		for _, b := range rows {
			if b.System == Subject || b.Concurrency != r.Concurrency ||
				(b.Workload != r.Workload && (b.API != "" || b.Workload != base[r.Workload])) {
				continue
			}
			if r.Vs == nil {
				r.Vs = map[string]Versus{}
			}
			v := Versus{
				Workload:     b.Workload,
				RequestsPerS: Ratio(r.RequestsPerS, b.RequestsPerS),
				P50AddedMs:   round3(r.Latency.P50 - b.Latency.P50),
				P99:          Ratio(r.Latency.P99, b.Latency.P99),
			}
			if r.RecordsPerRequest > 0 {
				v.RecordsPerS = Ratio(r.RecordsPerS, b.RecordsPerS)
			}
			r.Vs[b.System] = v
		}
	}
}

// WriteTable writes the rows, then topicgate's ratios, as aligned text.
func WriteTable(out io.Writer, rep *Report) {
	for _, s := range rep.Systems {
		if !s.Available {
			fmt.Fprintf(out, "%s: not measured: %s\n", s.Name, s.Reason)
		}
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tworkload\tconc\treq/s\trec/s\tMB/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tverified\tCPU s / peak RSS MiB\t")
	for _, r := range rep.Results {
		ver := "-"
		if v := r.Verification; v != nil {
			ver = fmt.Sprintf("%d/%d", v.Acked-v.Missing, v.Acked)
			if !v.OK {
				ver += " FAIL"
			}
		}
		var procs []string
		for _, p := range r.Processes {
			procs = append(procs, fmt.Sprintf("%s %.1f/%.0f", p.Name, p.CPUSeconds, p.PeakRSSMiB))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%s\t%s\t\n",
			r.System, r.Workload, r.Concurrency, r.RequestsPerS, r.RecordsPerS, r.MBPerS,
			r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max, r.Errors, ver, strings.Join(procs, "  "))
	}
	tw.Flush()

	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "topicgate vs\tworkload\tconc\trec/s ratio\treq/s ratio\tp50 added ms\tp99 ratio\t")
	for _, r := range rep.Results {
		for _, name := range slices.Sorted(maps.Keys(r.Vs)) {
			v := r.Vs[name]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%.2f\t%s\t\n", name, r.Workload, r.Concurrency,
				fmtRatio(v.RecordsPerS), fmtRatio(v.RequestsPerS), v.P50AddedMs, fmtRatio(v.P99))
		}
	}
	tw.Flush()
	WriteSoak(out, rep.Soak)
}

func fmtRatio(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *r)
}
