package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ms(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, v := range n {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	var hundred []time.Duration
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	l := Summarize(hundred)
	if l != (Latency{P50: 50, P90: 90, P99: 99, Max: 100}) {
		t.Errorf("1..100 ms: %+v", l)
	}
	if got := Summarize(ms(7)); got != (Latency{7, 7, 7, 7}) {
		t.Errorf("one value: %+v", got)
	}
	if got := Summarize(nil); got != (Latency{}) {
		t.Errorf("none: %+v", got)
	}
	// Nearest rank: of 4 values p50 is the 2nd, p90 and p99 the 4th.
	s := ms(1, 2, 3, 4)
	if Percentile(s, 50) != 2*time.Millisecond || Percentile(s, 90) != 4*time.Millisecond || Percentile(s, 99) != 4*time.Millisecond {
		t.Errorf("4 values: %v %v %v", Percentile(s, 50), Percentile(s, 90), Percentile(s, 99))
	}
	if got := Summarize(ms(1, 1, 1, 1, 1, 1, 1, 1, 1, 1000)); got.P50 != 1 || got.P90 != 1 || got.P99 != 1000 || got.Max != 1000 {
		t.Errorf("a tail: %+v", got)
	}
}

func TestRates(t *testing.T) {
	r := ComputeRates(1000, 100000, 102_400_000, 2*time.Second)
	if r != (Rates{RequestsPerS: 500, RecordsPerS: 50000, MBPerS: 51.2}) {
		t.Errorf("%+v", r)
	}
	if ComputeRates(1, 1, 1, 0) != (Rates{}) {
		t.Error("zero wall time")
	}
	if Ratio(1, 0) != nil || *Ratio(1, 3) != 0.333 {
		t.Error("Ratio")
	}
}

func TestAddRatios(t *testing.T) {
	row := func(sys, wl, api string, recs, c int, reqs, records, p50, p99 float64) Row {
		return Row{System: sys, Workload: wl, API: api, RecordsPerRequest: recs, Concurrency: c,
			Rates: Rates{RequestsPerS: reqs, RecordsPerS: records}, Latency: Latency{P50: p50, P99: p99}}
	}
	rows := []Row{
		row("direct", "produce100", "", 100, 32, 100, 10000, 5, 10),
		row("topicgate", "produce100-v3", "v3", 100, 32, 70, 7000, 8, 30),
		row("plain-envoy", "produce100-v3", "v3", 100, 32, 700, 70000, 1, 3),
		row("topicgate", "produce100-v2", "v2", 100, 32, 35, 3500, 9, 40),
		row("topicgate", "produce100-v3", "v3", 100, 8, 50, 5000, 4, 5), // no baseline at c=8
		row("topicgate", "metadata", "v3", 0, 32, 2000, 0, 1.5, 4),
		row("plain-envoy", "metadata", "v3", 0, 32, 8000, 0, 0.5, 2),
	}
	AddRatios(rows, Workloads)

	v := rows[1].Vs
	if len(v) != 2 {
		t.Fatalf("produce100-v3 c=32 vs %v", v)
	}
	if d := v["direct"]; d.Workload != "produce100" || *d.RecordsPerS != 0.7 || *d.RequestsPerS != 0.7 || d.P50AddedMs != 3 || *d.P99 != 3 {
		t.Errorf("vs direct %+v", d)
	}
	if p := v["plain-envoy"]; *p.RecordsPerS != 0.1 || p.P50AddedMs != 7 || *p.P99 != 10 {
		t.Errorf("vs plain %+v", p)
	}
	// v2 compares with the direct producer (same work), not with plain
	// Envoy's v3 row.
	if v := rows[3].Vs; len(v) != 1 || *v["direct"].RecordsPerS != 0.35 {
		t.Errorf("produce100-v2 vs %+v", v)
	}
	if rows[4].Vs != nil {
		t.Errorf("c=8 has no baseline: %+v", rows[4].Vs)
	}
	if m := rows[5].Vs; len(m) != 1 || m["plain-envoy"].RecordsPerS != nil || *m["plain-envoy"].RequestsPerS != 0.25 || m["plain-envoy"].P50AddedMs != 1 {
		t.Errorf("metadata vs %+v", m)
	}
	for _, i := range []int{0, 2, 6} {
		if rows[i].Vs != nil {
			t.Errorf("a baseline row got ratios: %+v", rows[i])
		}
	}
}

func TestVerify(t *testing.T) {
	v := Verify([]string{"a", "b", "c"}, []string{"c", "x", "a", "b"})
	if !v.OK || v.Acked != 3 || v.InKafka != 4 || v.Missing != 0 || v.Unacked != 1 {
		t.Errorf("all there plus an unacknowledged one: %+v", v)
	}
	v = Verify([]string{"a", "b", "c"}, []string{"a", "c"})
	if v.OK || v.Missing != 1 || v.Missed[0] != "b" {
		t.Errorf("one lost: %+v", v)
	}
	v = Verify([]string{"a"}, []string{"a", "a"})
	if v.OK || v.Duplicates != 1 {
		t.Errorf("duplicated: %+v", v)
	}
	if v := Verify(nil, nil); !v.OK {
		t.Errorf("nothing: %+v", v)
	}
}

func TestProduceBodyAndAcks(t *testing.T) {
	ids := []string{RecordID(2, 3, 100, 0), RecordID(2, 3, 100, 1)}
	if ids[0] != "w2-300" || ids[1] != "w2-301" {
		t.Fatalf("ids %v", ids)
	}
	// v3: concatenated records, each a 1 KiB STRING value keyed by its id.
	dec := json.NewDecoder(bytes.NewReader(ProduceBody("v3", ids)))
	for i := 0; dec.More(); i++ {
		var r struct{ Key, Value struct{ Type, Data string } }
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Key.Data != ids[i] || r.Value.Type != "STRING" || len(r.Value.Data) != ValueSize {
			t.Errorf("v3 record %d: key %q value %d bytes", i, r.Key.Data, len(r.Value.Data))
		}
	}
	// v2: a records list, json format: the value is ValueSize bytes as JSON.
	var v2 struct {
		Records []struct{ Key, Value json.RawMessage }
	}
	if err := json.Unmarshal(ProduceBody("v2", ids), &v2); err != nil || len(v2.Records) != 2 {
		t.Fatalf("v2 body: %v", err)
	}
	if string(v2.Records[1].Key) != KafkaKey("v2", ids[1]) || len(v2.Records[1].Value) != ValueSize {
		t.Errorf("v2 record: %s, value %d bytes", v2.Records[1].Key, len(v2.Records[1].Value))
	}
	if IDFromKey([]byte(KafkaKey("v2", "w1-5"))) != "w1-5" || IDFromKey([]byte("w1-5")) != "w1-5" {
		t.Error("IDFromKey")
	}

	acked, err := ParseAcks("v3", []byte(`{"error_code":200,"offset":1}
{"error_code":40403,"message":"no partition"}`), ids)
	if len(acked) != 1 || acked[0] != ids[0] || err == nil || !strings.Contains(err.Error(), "40403") {
		t.Errorf("v3 acks %v %v", acked, err)
	}
	if _, err := ParseAcks("v3", []byte(`{"error_code":200}`), ids); err == nil {
		t.Error("v3: a missing report is not an error")
	}
	acked, err = ParseAcks("v2", []byte(`{"offsets":[{"partition":0,"offset":7},{"partition":1,"offset":0}]}`), ids)
	if len(acked) != 2 || err != nil {
		t.Errorf("v2 acks %v %v", acked, err)
	}
	acked, err = ParseAcks("v2", []byte(`{"offsets":[{"error_code":500,"message":"boom"},{"partition":1,"offset":0}]}`), ids)
	if len(acked) != 1 || acked[0] != ids[1] || err == nil {
		t.Errorf("v2 acks with a failure %v %v", acked, err)
	}
	if payload("v2", ids) != int64(2*(len(ids[0])+2+ValueSize)) {
		t.Error("payload")
	}
}

func TestLoadIsBounded(t *testing.T) {
	calls := 0
	res := Load{Concurrency: 1, Duration: time.Minute, MaxRequests: 5}.Run(context.Background(), func(_ context.Context, w, seq int) Outcome {
		calls++
		if seq == 2 {
			return Outcome{Err: errors.New("third fails")}
		}
		return Outcome{Acked: []string{RecordID(w, seq, 1, 0)}, Records: 1, Bytes: 10}
	})
	if calls != 5 || res.Requests != 5 || res.OK != 4 || res.Errors != 1 || res.Records != 4 || res.Bytes != 40 ||
		len(res.Latencies) != 5 || res.FirstError != "third fails" || len(res.Acked) != 4 {
		t.Errorf("%d calls: %+v", calls, res)
	}
	start := time.Now()
	res = Load{Concurrency: 4, Duration: 50 * time.Millisecond, MaxRequests: 1 << 40}.Run(context.Background(), func(context.Context, int, int) Outcome {
		time.Sleep(time.Millisecond)
		return Outcome{}
	})
	if time.Since(start) > time.Second || res.Requests == 0 || res.Errors != 0 {
		t.Errorf("by time: %s, %+v", time.Since(start), res.Requests)
	}
}

func TestProcStat(t *testing.T) {
	stat := []byte("1234 (my (odd) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4 0 100 0 0")
	if n, err := CPUTicks(stat); err != nil || n != 325 {
		t.Errorf("ticks %d %v", n, err)
	}
	status := []byte("Name:\tx\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n")
	if n, ok := StatusKiB(status, "VmRSS"); !ok || n != 102400 {
		t.Errorf("VmRSS %d", n)
	}
	if _, ok := StatusKiB(status, "VmSwap"); ok {
		t.Error("absent field found")
	}
	// The sampler on this very process: some RSS, CPU not negative.
	s := StartSampler([]Proc{{"self", os.Getpid()}}, 10*time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	u := s.Stop()
	if len(u) != 1 || u[0].PeakRSSMiB <= 0 || u[0].CPUSeconds < 0 || u[0].HWMMiB < u[0].PeakRSSMiB {
		t.Errorf("%+v", u)
	}
}

// The JSON report: one object per (system, workload, concurrency), with the
// figures under stable names, the bridge listed as unavailable.
func TestReportJSONShape(t *testing.T) {
	rep := &Report{
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Systems: []SystemInfo{{Name: "topicgate", Available: true}, {Name: "strimzi-bridge", Available: false, Reason: BridgeUnavailable}},
		Results: []Row{
			{System: "topicgate", Workload: "produce1-v3", API: "v3", RecordsPerRequest: 1, Concurrency: 32,
				Rates: Rates{RequestsPerS: 100, RecordsPerS: 100, MBPerS: 0.1}, Latency: Latency{P50: 1, P90: 2, P99: 3, Max: 4},
				Verification: &Verification{Acked: 10, InKafka: 10, OK: true},
				Processes:    []ProcUsage{{Name: "topicgate", Pid: 1, CPUSeconds: 1.5, PeakRSSMiB: 40, HWMMiB: 41}}},
			{System: "direct", Workload: "produce1", RecordsPerRequest: 1, Concurrency: 32, Rates: Rates{RecordsPerS: 200}},
		},
		Failures: []string{},
	}
	AddRatios(rep.Results, Workloads)
	dir := t.TempDir()
	path, err := WriteJSON(dir, rep)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "bench-20260102-030405.json" {
		t.Errorf("path %s", path)
	}
	b, _ := os.ReadFile(path)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	results := doc["results"].([]any)
	if len(results) != 2 {
		t.Fatalf("%d results", len(results))
	}
	r := results[0].(map[string]any)
	for _, k := range []string{"system", "workload", "concurrency", "requests_per_s", "records_per_s", "mb_per_s",
		"latency", "errors", "verification", "processes", "vs"} {
		if _, ok := r[k]; !ok {
			t.Errorf("result has no %q: %s", k, b)
		}
	}
	lat := r["latency"].(map[string]any)
	for _, k := range []string{"p50_ms", "p90_ms", "p99_ms", "max_ms"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency has no %q", k)
		}
	}
	p := r["processes"].([]any)[0].(map[string]any)
	if p["cpu_s"] != 1.5 || p["peak_rss_mib"] != 40.0 || p["name"] != "topicgate" {
		t.Errorf("process %v", p)
	}
	if vs := r["vs"].(map[string]any)["direct"].(map[string]any); vs["records_per_s"] != 0.5 {
		t.Errorf("vs direct %v", vs)
	}
	if r["verification"].(map[string]any)["ok"] != true {
		t.Error("verification")
	}
	bridge := doc["systems"].([]any)[1].(map[string]any)
	if bridge["available"] != false || bridge["reason"] == "" {
		t.Errorf("bridge %v", bridge)
	}

	var table bytes.Buffer
	WriteTable(&table, rep)
	out := table.String()
	if !strings.Contains(out, "strimzi-bridge: not measured: ") || !strings.Contains(out, "produce1-v3") || !strings.Contains(out, "10/10") {
		t.Errorf("table:\n%s", out)
	}
}

func TestRenderPlainEnvoy(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join("testdata", "envoy-plain.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	a := Answers{V3One: []byte(`{"a":"b\"c"}`), V3Many: []byte("{}\n{}"), V2One: []byte(`{}`), V2Many: []byte(`{}`), Metadata: []byte(`{"m":1}`)}
	out, err := RenderPlainEnvoy(string(tmpl), 1, 2, 1024, a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "${") || !strings.Contains(out, `inline_string: "{\"a\":\"b\\\"c\"}"`) || !strings.Contains(out, `"{}\n{}"`) {
		t.Errorf("rendered:\n%s", out)
	}
}

func TestSoakWindows(t *testing.T) {
	// Ten samples a second apart over 9 s, three windows of 3 s: RSS rises
	// in the first window (warm-up), then holds, then grows by 20%.
	var at []time.Duration
	var kib, reqs []int64
	rss := []int64{50, 80, 100, 100, 100, 100, 110, 120, 120, 120}
	for i, r := range rss {
		at = append(at, time.Duration(i)*time.Second)
		kib = append(kib, r*1024)
		reqs = append(reqs, int64(i*10))
	}
	ws, growth := SoakWindows(at, kib, reqs, 9*time.Second, 3)
	want := []SoakWindow{
		{EndS: 3, Requests: 20, MinRSSMiB: 50, MaxRSSMiB: 100},
		{EndS: 6, Requests: 30, MinRSSMiB: 100, MaxRSSMiB: 100},
		{EndS: 9, Requests: 40, MinRSSMiB: 110, MaxRSSMiB: 120},
	}
	if diff := cmp.Diff(want, ws); diff != "" {
		t.Errorf("windows (-want +got):\n%s", diff)
	}
	if want := 20.0; growth != want {
		t.Errorf("growth = %v%%, want %v%% (120 over the second window's 100)", growth, want)
	}
	if _, g := SoakWindows(at, kib, reqs, 9*time.Second, 2); g != 0 {
		t.Errorf("fewer than 3 windows: growth %v, want 0 (no warm-up window to skip)", g)
	}
}
