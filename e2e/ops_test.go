package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The suite's topicgate runs with -decision-log-topic topicgate-decisions,
// -policy-shadow-dir (testdata/shadow-policy) and -policy-shadow-topics
// ops-shadow*: see main_test.go.

// Each decision line is also produced to the decision log topic, keyed by
// its decision id, exactly as the log writes it, with the input masked:
// record contents and credentials never appear.
func TestOpsDecisionLogToKafka(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	body := `{"key":{"type":"STRING","data":"ops-key-secret"},"value":{"type":"STRING","data":"ops-value-secret"},` +
		`"headers":[{"name":"ops-header","value":"` + b64([]byte("ops-header-secret")) + `"}]}`
	r := as(t, "writer", "POST", v3("/topics/ops-decisions/records"), "application/json", body)
	results(t, r)
	id, requestID := r.Header.Get("x-topicgate-decision-id"), r.Header.Get("x-request-id")
	if id == "" || requestID == "" {
		t.Fatalf("no decision or request id: %v", r.Header)
	}

	var line []byte
	eventually(t, func() bool {
		for _, m := range readTopic(t, "topicgate-decisions") {
			if string(m.Key) == id {
				line = m.Value
				return true
			}
		}
		return false
	})
	var d opsDecisionLine
	if err := json.Unmarshal(line, &d); err != nil {
		t.Fatalf("the record is not a JSON decision line: %v: %s", err, line)
	}
	if d.Logger != "decision" || d.Msg != "decision" || d.DecisionID != id || d.RequestID != requestID ||
		d.Phase != "records" || d.Action != "produce" || d.Principal != "writer" || !d.Allow || d.PolicyDigest == "" {
		t.Errorf("decision line %s", line)
	}
	if len(d.Input.Records) != 1 {
		t.Fatalf("input records %s", line)
	}
	rec := d.Input.Records[0]
	if rec.Key["type"] != "STRING" || rec.Key["size"] != float64(14) || rec.Value["size"] != float64(16) ||
		rec.Key["data"] != nil || rec.Value["data"] != nil || len(rec.Headers) != 1 || rec.Headers[0]["size"] != float64(17) {
		t.Errorf("the record is not masked to its shape: %+v", rec)
	}
	for _, secret := range []string{"ops-key-secret", "ops-value-secret", "ops-header-secret", b64([]byte("ops-header-secret")),
		"writer-secret", b64([]byte("writer:writer-secret"))} {
		if bytes.Contains(line, []byte(secret)) {
			t.Errorf("the decision line carries %q: %s", secret, line)
		}
	}
	// The record is the log's line, byte for byte.
	if !opsLogHasLine(t, line) {
		t.Errorf("topicgate's log has no line equal to the record %s", line)
	}
	// The request's first decision (phase request) is there too.
	found := false
	for _, m := range readTopic(t, "topicgate-decisions") {
		var other opsDecisionLine
		if json.Unmarshal(m.Value, &other) == nil && other.RequestID == requestID && other.Phase == "request" && string(m.Key) == other.DecisionID {
			found = true
		}
	}
	if !found {
		t.Error("the request phase decision is not in the topic")
	}
	if dl := opsReadyz(t).DecisionLog; dl == nil || dl.Topic != "topicgate-decisions" || dl.Written == 0 || dl.Dropped != 0 || dl.Failed != 0 {
		t.Errorf("readyz decision_log_kafka %+v", dl)
	}
	if n := opsMetric(t, `topicgate_decision_log_kafka_records_total{result="written"}`); n == 0 {
		t.Error("no decision line counted as written")
	}
}

// A shadow policy that would deny what the active one allows changes no
// answer: the record is written, and the difference is logged (both
// outcomes, both decision ids) and counted. A decision both allow is
// counted as the same and not logged.
func TestOpsShadowPolicy(t *testing.T) {
	before := opsReadyz(t).Shadow
	if before == nil || !before.Loaded || len(before.Topics) != 1 {
		t.Fatalf("readyz shadow_policy %+v", before)
	}
	metricBefore := opsMetric(t, `topicgate_policy_shadow_decisions_total{action="produce",phase="records",result="allow_to_deny"}`)

	writer := as(t, "writer", "POST", v3("/topics/ops-shadow/records"), "application/json", `{"value":{"type":"STRING","data":"by-writer"}}`)
	admin := as(t, "admin", "POST", v3("/topics/ops-shadow/records"), "application/json", `{"value":{"type":"STRING","data":"by-admin"}}`)
	results(t, writer)
	results(t, admin)
	var values []string
	for _, m := range readTopic(t, "ops-shadow") {
		values = append(values, string(m.Value))
	}
	if strings.Join(values, ",") != "by-writer,by-admin" {
		t.Fatalf("ops-shadow holds %v: the shadow changed an answer", values)
	}

	// Two decisions each (request and records phases); one worker takes
	// them in order, so once all four are compared every line is written.
	eventually(t, func() bool { return opsReadyz(t).Shadow.Compared >= before.Compared+4 })
	after := opsReadyz(t).Shadow
	if after.Differed != before.Differed+2 || after.Skipped != before.Skipped {
		t.Errorf("shadow counts before %+v, after %+v: want 2 more differences, none skipped", before, after)
	}
	diffs := opsShadowLines(t)
	got, ok := diffs[writer.Header.Get("x-topicgate-decision-id")]
	if !ok {
		t.Fatalf("no shadow difference logged for the writer's decision")
	}
	if got.Result != "allow_to_deny" || got.Principal != "writer" || got.ResourceName != "ops-shadow" || got.Phase != "records" ||
		!got.Active.Allow || got.Shadow.Allow || got.ShadowDecisionID == "" || got.ShadowDecisionID == got.DecisionID ||
		!strings.Contains(got.Shadow.Reason, "may no longer write") || got.Shadow.PolicyDigest != after.Digest {
		t.Errorf("shadow difference %+v", got)
	}
	if _, ok := diffs[admin.Header.Get("x-topicgate-decision-id")]; ok {
		t.Error("a decision the shadow agrees with was logged as a difference")
	}
	if n := opsMetric(t, `topicgate_policy_shadow_decisions_total{action="produce",phase="records",result="allow_to_deny"}`); n != metricBefore+1 {
		t.Errorf("allow_to_deny records decisions %v, want %v", n, metricBefore+1)
	}
	if n := opsMetric(t, `topicgate_policy_shadow_decisions_total{action="produce",phase="records",result="same"}`); n == 0 {
		t.Error("the admin's decision was not counted as the same")
	}
}

// The shadow directory hot-reloads like the active one: a broken file is
// reported in /readyz and changes nothing (the last good shadow keeps
// comparing), and a fixed file takes effect.
func TestOpsShadowReload(t *testing.T) {
	produceAsWriter := func() reply {
		t.Helper()
		r := as(t, "writer", "POST", v3("/topics/ops-shadow-reload/records"), "application/json", `{"value":{"type":"STRING","data":"r"}}`)
		results(t, r)
		return r
	}
	start := opsReadyz(t)
	file := filepath.Join(shadowDir, "forgive.rego")
	t.Cleanup(func() {
		os.Remove(file)
		eventually(t, func() bool {
			s := opsReadyz(t).Shadow
			return s.LastError == "" && len(s.Files) == len(start.Shadow.Files)
		})
	})

	writeFile(t, file, "package topicgate.authz\n\nwriter_forgiven if {{{\n")
	eventually(t, func() bool { return opsReadyz(t).Shadow.Failures > start.Shadow.Failures })
	rz := opsReadyz(t)
	if !rz.Ready || !strings.Contains(rz.Shadow.LastError, "forgive.rego") || rz.Shadow.Digest != start.Shadow.Digest || rz.Policy.LastError != "" {
		t.Errorf("readyz after a broken shadow file: %+v", rz)
	}
	eventually(t, func() bool {
		return logHas(t, `"msg":"policy load failed; keeping the last good policies"`, `"policy":"shadow"`, "forgive.rego")
	})
	// The last good shadow still compares: the writer's produce differs.
	r := produceAsWriter()
	eventually(t, func() bool { _, ok := opsShadowLines(t)[r.Header.Get("x-topicgate-decision-id")]; return ok })

	writeFile(t, file, "package topicgate.authz\n\nwriter_forgiven if input.topic == \"ops-shadow-reload\"\n")
	eventually(t, func() bool { s := opsReadyz(t).Shadow; return s.LastError == "" && s.Digest != start.Shadow.Digest })
	// The fixed shadow agrees with the active policy: no difference.
	compared := opsReadyz(t).Shadow.Compared
	r = produceAsWriter()
	eventually(t, func() bool { return opsReadyz(t).Shadow.Compared >= compared+2 })
	if _, ok := opsShadowLines(t)[r.Header.Get("x-topicgate-decision-id")]; ok {
		t.Error("the fixed shadow policy did not take effect")
	}
	if n := opsMetric(t, `topicgate_policy_loads_total{policy="shadow",result="error"}`); n < 1 {
		t.Error("the failed shadow load was not counted")
	}
}

// opsDecisionLine is the part of a decision line the tests read.
type opsDecisionLine struct {
	Logger       string `json:"logger"`
	Msg          string `json:"msg"`
	DecisionID   string `json:"decision_id"`
	RequestID    string `json:"request_id"`
	Phase        string `json:"phase"`
	Action       string `json:"action"`
	Principal    string `json:"principal"`
	Allow        bool   `json:"allow"`
	PolicyDigest string `json:"policy_digest"`
	Input        struct {
		Records []struct {
			Key     map[string]any   `json:"key"`
			Value   map[string]any   `json:"value"`
			Headers []map[string]any `json:"headers"`
		} `json:"records"`
	} `json:"input"`
}

// opsShadowLine is a shadow difference line.
type opsShadowLine struct {
	DecisionID       string `json:"decision_id"`
	ShadowDecisionID string `json:"shadow_decision_id"`
	Phase            string `json:"phase"`
	Principal        string `json:"principal"`
	ResourceName     string `json:"resource_name"`
	Result           string `json:"result"`
	Active, Shadow   struct {
		Allow        bool   `json:"allow"`
		Reason       string `json:"reason"`
		PolicyDigest string `json:"policy_digest"`
	}
}

// opsShadowLines reads topicgate's log for shadow differences, by the
// active decision id.
func opsShadowLines(t *testing.T) map[string]opsShadowLine {
	t.Helper()
	out := map[string]opsShadowLine{}
	opsLogLines(t, func(line []byte) {
		if !bytes.Contains(line, []byte(`"msg":"shadow decision differs"`)) {
			return
		}
		var l opsShadowLine
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("shadow line is not JSON: %v: %s", err, line)
		}
		out[l.DecisionID] = l
	})
	return out
}

func opsLogHasLine(t *testing.T, want []byte) bool {
	found := false
	opsLogLines(t, func(line []byte) { found = found || bytes.Equal(line, want) })
	return found
}

func opsLogLines(t *testing.T, each func(line []byte)) {
	t.Helper()
	f, err := os.Open(st.LogPath("topicgate"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		each(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// opsReadiness is /readyz with the shadow policy and the decision log topic.
type opsReadiness struct {
	Ready  bool `json:"ready"`
	Policy struct {
		LastError string `json:"last_error"`
	} `json:"policy"`
	Shadow *struct {
		Loaded    bool     `json:"loaded"`
		Files     []string `json:"files"`
		Digest    string   `json:"digest"`
		Failures  int      `json:"failed_loads"`
		LastError string   `json:"last_error"`
		Topics    []string `json:"topics"`
		Compared  int      `json:"compared"`
		Differed  int      `json:"differed"`
		Skipped   int      `json:"skipped"`
	} `json:"shadow_policy"`
	DecisionLog *struct {
		Topic   string `json:"topic"`
		Written int    `json:"written"`
		Failed  int    `json:"failed"`
		Dropped int    `json:"dropped"`
	} `json:"decision_log_kafka"`
}

func opsReadyz(t *testing.T) opsReadiness {
	t.Helper()
	resp, err := client.Get(st.AdminURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r opsReadiness
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// opsMetric is the value of one sample of /metrics, 0 when absent.
func opsMetric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := client.Get(st.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics answered %d", resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
