package gateway_test

import (
	"strings"
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

// denyRecords is a policy that allows both phases and, in the records
// phase, denies the records of the given indexes with reason "pii".
func denyRecords(indexes ...int) func(in *policy.Input) policy.Decision {
	return func(in *policy.Input) policy.Decision {
		d := policy.Decision{Allow: true}
		if in.Phase == policy.PhaseRecords {
			for _, i := range indexes {
				d.DeniedRecords = append(d.DeniedRecords, policy.RecordDenial{Index: i, Reason: "pii"})
			}
		}
		return d
	}
}

// producedValues are the values the fake cluster got, each with the
// decision id it carries ("" when none).
func producedValues(t *testing.T, e *env) (values, ids []string) {
	t.Helper()
	for _, m := range e.cluster.messages() {
		values = append(values, string(m.Value))
		id := ""
		for _, h := range m.Headers {
			if h.Key == "topicgate-decision-id" {
				id = string(h.Value)
			}
		}
		ids = append(ids, id)
	}
	return values, ids
}

func TestProduce_DeniedRecordsAreAnsweredApart(t *testing.T) {
	e := newEnv(t)
	e.policy.decide = denyRecords(1)
	resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}),
		[]byte(stringRecord("a")+stringRecord("b")+stringRecord("c")))
	if resp.Status != 200 || resp.Headers["x-topicgate-decision-id"] != "decision-2" {
		t.Fatalf("status %d, headers %v: %s", resp.Status, resp.Headers, resp.Body)
	}
	docs := jsonDocs(t, resp.Body)
	if len(docs) != 3 || docs[0]["error_code"] != 200.0 || docs[2]["error_code"] != 200.0 {
		t.Fatalf("results %v", docs)
	}
	if diff := cmp.Diff(map[string]any{"error_code": 40301.0, "message": "Record denied by policy: pii"}, docs[1]); diff != "" {
		t.Errorf("denied record's result (-want +got):\n%s", diff)
	}
	values, ids := producedValues(t, e)
	if diff := cmp.Diff([]string{"a", "c"}, values); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"decision-2", "decision-2"}, ids); diff != "" {
		t.Errorf("decision ids (-want +got):\n%s", diff)
	}
}

func TestProduce_NothingWrittenFailsTheRequest(t *testing.T) {
	timedOut := ck.NewError(ck.ErrMsgTimedOut, "Local: Message timed out", false)
	tests := []struct {
		name     string
		denied   []int
		kafka    error // every delivery's error
		secondOK bool  // but the second record's: written
		status   int
		code     int
		message  string
	}{
		{name: "every record denied", denied: []int{0, 1}, status: 403, code: 40301, message: "Record denied by policy: pii"},
		{name: "a denial and a Kafka failure: Kafka's error, which a retry may get past", denied: []int{0}, kafka: timedOut, status: 504, code: 50003,
			message: "Kafka did not answer in time"},
		{name: "a Kafka failure and a written record: one result per record", denied: []int{}, kafka: timedOut, secondOK: true, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = denyRecords(tt.denied...)
			e.cluster.deliver = func(i int, m kafka.Message) kafka.Delivery {
				if tt.secondOK && i == 1 {
					return kafka.Delivery{Offset: 1, Timestamp: ackTime}
				}
				return kafka.Delivery{Offset: -1, Err: tt.kafka}
			}
			resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}), []byte(stringRecord("a")+stringRecord("b")))
			if tt.status == 200 {
				if docs := jsonDocs(t, resp.Body); resp.Status != 200 || len(docs) != 2 {
					t.Errorf("got %d %s, want 200 with two results", resp.Status, resp.Body)
				}
				return
			}
			code, msg := errorBody(t, resp)
			if resp.Status != tt.status || code != tt.code || !strings.Contains(msg, tt.message) {
				t.Errorf("got %d/%d %q, want %d/%d containing %q", resp.Status, code, msg, tt.status, tt.code, tt.message)
			}
			if n, want := len(e.cluster.messages()), 2-len(tt.denied); n != want {
				t.Errorf("%d records sent to Kafka, want %d", n, want)
			}
		})
	}
}

func TestProduceBatch_DeniedEntriesAreFailures(t *testing.T) {
	e := newEnv(t)
	e.policy.decide = denyRecords(2) // input.records[_].index is the entry's position
	body := `{"entries":[
		{"id":"bad","value":{"type":"BINARY","data":"not base64!"}},
		{"id":"ok","value":{"type":"STRING","data":"ok"}},
		{"id":"no","value":{"type":"STRING","data":"no"}}
	]}`
	resp := e.serve(t, post(produceBatchPath, map[string]string{"authorization": demoAuth}), []byte(body))
	if resp.Status != 207 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	a := produceBatchDecode(t, resp.Body)
	if len(a.Successes) != 1 || a.Successes[0]["id"] != "ok" {
		t.Errorf("successes %v", a.Successes)
	}
	wantFailures := []map[string]any{
		{"id": "bad", "error_code": 400.0, "message": `Bad Request: entry "bad": value.data is not a base64 string`},
		{"id": "no", "error_code": 40301.0, "message": "Record denied by policy: pii"},
	}
	if diff := cmp.Diff(wantFailures, a.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	values, ids := producedValues(t, e)
	if diff := cmp.Diff([]string{"ok"}, values); diff != "" || ids[0] != "decision-2" {
		t.Errorf("written %v with ids %v, want [ok] with decision-2", values, ids)
	}

	// Every entry denied: still 207, with every entry a failure.
	e = newEnv(t)
	e.policy.decide = denyRecords(0)
	resp = e.serve(t, post(produceBatchPath, map[string]string{"authorization": demoAuth}), []byte(`{"entries":[{"id":"x","value":null}]}`))
	if a := produceBatchDecode(t, resp.Body); resp.Status != 207 || len(a.Successes) != 0 || len(a.Failures) != 1 || len(e.cluster.messages()) != 0 {
		t.Errorf("status %d, %d written: %s", resp.Status, len(e.cluster.messages()), resp.Body)
	}
}

func TestProduceV2_DeniedRecords(t *testing.T) {
	body := []byte(`{"records":[{"value":"YQ=="},{"value":"Yg=="}]}`)
	tests := []struct {
		name   string
		path   string
		denied []int
		status int
		body   string
		sent   []string
	}{
		{name: "one denied", denied: []int{0}, status: 200,
			body: `{"offsets":[{"error_code":403,"message":"Record denied by policy: pii"},{"partition":0,"offset":100}]}`, sent: []string{"b"}},
		{name: "every record denied", denied: []int{0, 1}, status: 403,
			body: `{"error_code":403,"message":"Record denied by policy: pii"}`},
		{name: "async: one denied refuses them all", path: "?async=true", denied: []int{1}, status: 403,
			body: `{"error_code":403,"message":"Record denied by policy (record 1: pii); with async=true no record is queued when one is denied."}`},
		{name: "async: none denied", path: "?async=true", status: 204, sent: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.policy.decide = denyRecords(tt.denied...)
			resp := e.serve(t, post(produceV2Path+tt.path, produceV2Post(produceV2Binary)), body)
			if resp.Status != tt.status || string(resp.Body) != tt.body {
				t.Errorf("got %d %s, want %d %s", resp.Status, resp.Body, tt.status, tt.body)
			}
			values, ids := producedValues(t, e)
			if diff := cmp.Diff(tt.sent, values); diff != "" {
				t.Errorf("written (-want +got):\n%s", diff)
			}
			for _, id := range ids {
				if id != "decision-2" {
					t.Errorf("a record carries decision id %q, want decision-2", id)
				}
			}
		})
	}
}

// A client cannot forge the decision-id header: a batch entry carrying it
// fails on its own, in any letter case.
func TestProduceBatch_ForgedDecisionHeader(t *testing.T) {
	e := newEnv(t)
	body := `{"entries":[{"id":"forged","headers":[{"name":"TOPICGATE-decision-id","value":"eA=="}]},{"id":"fine","value":null}]}`
	resp := e.serve(t, post(produceBatchPath, map[string]string{"authorization": demoAuth}), []byte(body))
	a := produceBatchDecode(t, resp.Body)
	if resp.Status != 207 || len(a.Failures) != 1 || a.Failures[0]["id"] != "forged" ||
		!strings.Contains(a.Failures[0]["message"].(string), "the record header topicgate-decision-id is reserved") {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if _, ids := producedValues(t, e); len(ids) != 1 || ids[0] != "decision-2" {
		t.Errorf("written with ids %v, want the one fine entry with decision-2", ids)
	}
}

// A policy that reads nothing of the records phase would answer it as it
// answered the headers: the request-phase decision admits the records, its
// id is in every record, and the policy is asked once. One that may read
// them is asked again.
func TestProduce_RecordsBlindPolicyIsAskedOnce(t *testing.T) {
	for _, blind := range []bool{true, false} {
		e := newEnv(t)
		e.policy.decide = func(in *policy.Input) policy.Decision {
			return policy.Decision{Allow: true, RecordsBlind: blind && in.Phase == policy.PhaseRequest}
		}
		resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}), []byte(stringRecord("a")+stringRecord("b")))
		if resp.Status != 200 {
			t.Fatalf("blind %v: status %d: %s", blind, resp.Status, resp.Body)
		}
		want, phases := "decision-2", []string{policy.PhaseRequest, policy.PhaseRecords}
		if blind {
			want, phases = "decision-1", []string{policy.PhaseRequest}
		}
		var asked []string
		for _, in := range e.policy.seen() {
			asked = append(asked, in.Phase)
		}
		if diff := cmp.Diff(phases, asked); diff != "" {
			t.Errorf("blind %v: phases asked (-want +got):\n%s", blind, diff)
		}
		if _, ids := producedValues(t, e); !cmp.Equal(ids, []string{want, want}) || resp.Headers["x-topicgate-decision-id"] != want {
			t.Errorf("blind %v: records carry %v, the answer %q; want %s", blind, ids, resp.Headers["x-topicgate-decision-id"], want)
		}
	}
}
