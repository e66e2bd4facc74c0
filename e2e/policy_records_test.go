package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/topicgate/topicgate/e2e/stack"
)

// The policy rules of these tests are in testdata/policy/records.rego.

const recordsDecisionHeader = "topicgate-decision-id"

// recordsLanded reads a topic back and returns each record's value and the
// decision id it carries.
func recordsLanded(t *testing.T, topic string) (values, ids []string) {
	t.Helper()
	for _, m := range readTopic(t, topic) {
		id, _ := header(m, recordsDecisionHeader)
		values = append(values, string(m.Value))
		ids = append(ids, id)
	}
	return values, ids
}

// recordsWantLanded checks that exactly values landed in topic, in order,
// each with the decision id decision.
func recordsWantLanded(t *testing.T, topic, decision string, values ...string) {
	t.Helper()
	got, ids := recordsLanded(t, topic)
	if strings.Join(got, ",") != strings.Join(values, ",") {
		t.Fatalf("%s holds %q, want %q", topic, got, values)
	}
	for i, id := range ids {
		if id != decision || decision == "" {
			t.Errorf("%s record %d carries decision id %q, want %q (the answer's)", topic, i, id, decision)
		}
	}
}

// recordsDecisionLine is the decision log line with the given decision id.
func recordsDecisionLine(t *testing.T, id string) map[string]any {
	t.Helper()
	var line map[string]any
	eventually(t, func() bool {
		f, err := os.Open(st.LogPath("topicgate"))
		if err != nil {
			return false
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if !strings.Contains(sc.Text(), `"decision_id":"`+id+`"`) {
				continue
			}
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "decision" {
				line = m
				return true
			}
		}
		return false
	})
	return line
}

// A v3 produce whose records phase denies one record of three: the other
// two land, each with the decision id of the answer and the log line; the
// denied one is a 40301 result of its own.
func TestRecordsMixedProduce(t *testing.T) {
	topic := "records-mixed"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	r := produce(t, topic, `{"value":{"type":"STRING","data":"keep-0"}}
{"value":{"type":"STRING","data":"deny-1"}}
{"value":{"type":"STRING","data":"keep-2"}}`)
	rs := results(t, r)
	if len(rs) != 3 || rs[0].ErrorCode != 200 || rs[2].ErrorCode != 200 {
		t.Fatalf("results %+v", rs)
	}
	if rs[1].ErrorCode != 40301 || rs[1].Message != "Record denied by policy: record 1 asks to be denied" {
		t.Errorf("the denied record's result is %+v", rs[1])
	}
	decision := r.Header.Get("X-Topicgate-Decision-Id")
	recordsWantLanded(t, topic, decision, "keep-0", "keep-2")
	if got := r.Header.Get("X-Records-Target"); got != "default/"+topic {
		t.Errorf("x-records-target %q: the records phase's input.target is not default/%s", got, topic)
	}
	line := recordsDecisionLine(t, decision)
	if line["phase"] != "records" || line["allow"] != true || line["records"] != 3.0 || !reflect.DeepEqual(line["denied_records"], []any{1.0}) {
		t.Errorf("decision log line %v", line)
	}

	// When every record is denied, the request is refused and writes nothing.
	r = produce(t, topic, `{"value":{"type":"STRING","data":"deny-a"}}`)
	if e := wantError(t, r, http.StatusForbidden, 40301); e.Message != "Record denied by policy: record 0 asks to be denied" {
		t.Errorf("message %q", e.Message)
	}
	recordsWantLanded(t, topic, decision, "keep-0", "keep-2")
}

// records:batch: a denied entry is a failure with its id; the others land.
func TestRecordsMixedBatch(t *testing.T) {
	topic := "records-batch"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	r := produceBatchPost(t, "writer", topic, `{"entries":[
		{"id":"a","value":{"type":"STRING","data":"keep-a"}},
		{"id":"b","value":{"type":"STRING","data":"deny-b"}},
		{"id":"c","value":{"type":"STRING","data":"keep-c"}}
	]}`)
	var a produceBatchAnswer
	decodeAs(t, r, http.StatusMultiStatus, v3spec, "ProduceBatchResponse", &a)
	if len(a.Successes) != 2 || a.Successes[0].ID != "a" || a.Successes[1].ID != "c" || a.Successes[0].TopicName != topic {
		t.Errorf("successes %+v", a.Successes)
	}
	if len(a.Failures) != 1 || a.Failures[0].ID != "b" || a.Failures[0].ErrorCode != 40301 ||
		a.Failures[0].Message != "Record denied by policy: record 1 asks to be denied" {
		t.Errorf("failures %+v", a.Failures)
	}
	recordsWantLanded(t, topic, r.Header.Get("X-Topicgate-Decision-Id"), "keep-a", "keep-c")
}

// v2 (Strimzi bridge): a denied record's offset entry is its error; the
// others land.
func TestRecordsMixedV2(t *testing.T) {
	topic := "records-v2"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	r := produceV2Post(t, "writer", "/topics/"+topic, "text", `{"records":[{"value":"deny-0"},{"value":"keep-1"}]}`)
	var a produceV2Offsets
	decodeAs(t, r, http.StatusOK, v2spec, "OffsetRecordSentList", &a)
	if len(a.Offsets) != 2 || a.Offsets[1].Offset == nil || a.Offsets[0].Offset != nil {
		t.Fatalf("offsets %s", r.Body)
	}
	if o := a.Offsets[0]; o.ErrorCode != 403 || o.Message != "Record denied by policy: record 0 asks to be denied" {
		t.Errorf("the denied record's entry is %+v", o)
	}
	decision := r.Header.Get("X-Topicgate-Decision-Id")
	recordsWantLanded(t, topic, decision, "keep-1")

	// async=true answers 204 without saying which records went: a denied
	// record refuses the request, and nothing is queued.
	r = produceV2Post(t, "writer", "/topics/"+topic+"?async=true", "text", `{"records":[{"value":"keep-2"},{"value":"deny-3"}]}`)
	wantError(t, r, http.StatusForbidden, 403)
	recordsWantLanded(t, topic, decision, "keep-1")
}

// A client cannot write the decision-id header itself.
func TestRecordsForgedDecisionHeader(t *testing.T) {
	topic := "records-forged"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	r := produce(t, topic, `{"value":{"type":"STRING","data":"x"},"headers":[{"name":"topicgate-decision-id","value":"Zm9yZ2Vk"}]}`)
	if e := wantError(t, r, http.StatusBadRequest, 400); !strings.Contains(e.Message, "the record header topicgate-decision-id is reserved") {
		t.Errorf("message %q", e.Message)
	}
	if n := recordCount(t, topic); n != 0 {
		t.Errorf("%d records written", n)
	}
}

// tenant-a's topic "orders" is tenant-a.orders in Kafka: produce (v3,
// batch, v2), describe and read act on it, and the answers say "orders".
func TestRecordsTenantPrefix(t *testing.T) {
	real := "tenant-a.orders"
	createTopics(t, stack.TopicSpec{Name: real, Partitions: 2})
	tenant := func(method, path, contentType, body string) reply {
		return as(t, "tenant-a", method, path, contentType, body)
	}

	r := tenant("POST", v3("/topics/orders/records"), "application/json", `{"partition_id":0,"value":{"type":"STRING","data":"tenant-v3"}}`)
	rs := results(t, r)
	if len(rs) != 1 || rs[0].ErrorCode != 200 || rs[0].TopicName != "orders" {
		t.Fatalf("results %+v", rs)
	}
	if got := r.Header.Get("X-Records-Target"); got != "default/"+real {
		t.Errorf("the records phase's target is %q, want default/%s", got, real)
	}
	v3Decision := r.Header.Get("X-Topicgate-Decision-Id")

	r = tenant("POST", v3("/topics/orders/records:batch"), "application/json", `{"entries":[{"id":"e","partition_id":0,"value":{"type":"STRING","data":"tenant-batch"}}]}`)
	var a produceBatchAnswer
	decodeAs(t, r, http.StatusMultiStatus, v3spec, "ProduceBatchResponse", &a)
	if len(a.Successes) != 1 || a.Successes[0].TopicName != "orders" {
		t.Fatalf("batch answer %s", r.Body)
	}

	r = tenant("POST", "/topics/orders/partitions/0", "application/vnd.kafka.text.v2+json", `{"records":[{"value":"tenant-v2"}]}`)
	var o produceV2Offsets
	decodeAs(t, r, http.StatusOK, v2spec, "OffsetRecordSentList", &o)

	msgs := readTopic(t, real)
	var values []string
	for _, m := range msgs {
		values = append(values, string(m.Value))
	}
	if strings.Join(values, ",") != "tenant-v3,tenant-batch,tenant-v2" {
		t.Fatalf("%s holds %q", real, values)
	}
	if id, _ := header(msgs[0], recordsDecisionHeader); id != v3Decision {
		t.Errorf("the v3 record carries decision %q, the answer said %q", id, v3Decision)
	}
	for _, m := range readTopic(t, "orders") {
		if strings.HasPrefix(string(m.Value), "tenant-") {
			t.Errorf("a tenant record landed in orders: %s", m.Value)
		}
	}

	// Describe and read: tenant-a.orders' partitions and records, named orders.
	var topic struct {
		TopicName       string `json:"topic_name"`
		PartitionsCount int    `json:"partitions_count"`
	}
	r = tenant("GET", v3("/topics/orders"), "", "")
	decodeAs(t, r, http.StatusOK, v3spec, "TopicData", &topic)
	if topic.TopicName != "orders" || topic.PartitionsCount != 2 || strings.Contains(string(r.Body), real) {
		t.Errorf("get topic answered %s", r.Body)
	}
	r = tenant("GET", v3("/topics/orders/partitions/0/records?offset=0"), "", "")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"topic_name":"orders"`) || strings.Contains(string(r.Body), real) {
		t.Errorf("read answered %d %s", r.Status, r.Body)
	}
	var v2records []struct {
		Topic string `json:"topic"`
		Value string `json:"value"`
	}
	r = do(t, call{method: "GET", path: "/topics/orders/partitions/0/records?offset=0", user: "tenant-a", pass: "tenant-a-secret",
		header: map[string]string{"Accept": "application/vnd.kafka.text.v2+json"}})
	decodeAs(t, r, http.StatusOK, nil, "", &v2records)
	if len(v2records) != 3 || v2records[0].Topic != "orders" || v2records[2].Value != "tenant-v2" {
		t.Errorf("v2 read answered %s", r.Body)
	}

	// An action that cannot be rewritten is refused rather than done on the
	// topic the client named.
	wantError(t, tenant("GET", v3("/topics/orders/configs"), "", ""), http.StatusForbidden, 40301)
	waitForLog(t, st.LogPath("topicgate"), `decision topic \"tenant-a.orders\": list_topic_configs cannot act on another topic`)
}

// Cluster choice: a configured cluster is used, and the records phase sees
// it as its target; a cluster that is not configured denies.
func TestRecordsClusterChoice(t *testing.T) {
	createTopics(t, stack.TopicSpec{Name: "records-cluster", Partitions: 1}, stack.TopicSpec{Name: "records-nowhere", Partitions: 1})
	r := produceV2Post(t, "writer", "/topics/records-cluster", "text", `{"records":[{"value":"here"}]}`)
	decodeAs(t, r, http.StatusOK, v2spec, "OffsetRecordSentList", nil)
	if got := r.Header.Get("X-Records-Target"); got != "default/records-cluster" {
		t.Errorf("the records phase's target is %q", got)
	}
	recordsWantLanded(t, "records-cluster", r.Header.Get("X-Topicgate-Decision-Id"), "here")

	r = produceV2Post(t, "writer", "/topics/records-nowhere", "text", `{"records":[{"value":"lost"}]}`)
	wantError(t, r, http.StatusForbidden, 403)
	waitForLog(t, st.LogPath("topicgate"), `decision cluster \"nowhere\" is not a configured cluster`)
	if n := recordCount(t, "records-nowhere"); n != 0 {
		t.Errorf("%d records written", n)
	}
}
