package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/e2e/stack"
)

const consumersV2 = "application/vnd.kafka.v2+json"

// consumersRecord is a record of a poll's answer.
type consumersRecord struct {
	Topic     string          `json:"topic"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Partition int32           `json:"partition"`
	Offset    int64           `json:"offset"`
	Timestamp int64           `json:"timestamp"`
	Headers   []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
}

// consumersCreate creates an instance as the writer and returns its path.
func consumersCreate(t *testing.T, group, body string) string {
	t.Helper()
	var out struct {
		InstanceID string `json:"instance_id"`
		BaseURI    string `json:"base_uri"`
	}
	decodeAs(t, as(t, "writer", "POST", "/consumers/"+group, consumersV2, body), http.StatusOK, v2spec, "CreatedConsumer", &out)
	path := "/consumers/" + group + "/instances/" + out.InstanceID
	if !strings.HasPrefix(out.BaseURI, "http://") || !strings.HasSuffix(out.BaseURI, path) {
		t.Errorf("base_uri %q, want http://<authority>%s", out.BaseURI, path)
	}
	t.Cleanup(func() { as(t, "writer", "DELETE", path, "", "") })
	return path
}

// consumersNoContent calls an instance endpoint as the writer and wants 204.
func consumersNoContent(t *testing.T, method, path, body string) {
	t.Helper()
	ct := ""
	if body != "" {
		ct = consumersV2
	}
	if r := as(t, "writer", method, path, ct, body); r.Status != http.StatusNoContent {
		t.Fatalf("%s %s answered %d, want 204: %s", method, path, r.Status, r.Body)
	}
}

// consumersPoll polls once with the given format in Accept.
func consumersPoll(t *testing.T, path, format, query string) []consumersRecord {
	t.Helper()
	r := do(t, call{method: "GET", path: path + "/records" + query, user: "writer", pass: "writer-secret",
		header: map[string]string{"Accept": "application/vnd.kafka." + format + ".v2+json"}})
	var recs []consumersRecord
	decodeAs(t, r, http.StatusOK, v2spec, "ConsumerRecordList", &recs)
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.kafka."+format+".v2+json" {
		t.Errorf("content-type %q", ct)
	}
	return recs
}

// consumersPollAll polls until n records have arrived, bounded by count and
// time; the outcome, not the timing, is what the tests assert.
func consumersPollAll(t *testing.T, path, format string, n int) []consumersRecord {
	t.Helper()
	var all []consumersRecord
	deadline := time.Now().Add(45 * time.Second)
	for i := 0; i < 60 && len(all) < n && time.Now().Before(deadline); i++ {
		all = append(all, consumersPoll(t, path, format, "?timeout=1000")...)
	}
	if len(all) != n {
		t.Fatalf("polled %d records, want %d: %+v", len(all), n, all)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Partition != all[j].Partition {
			return all[i].Partition < all[j].Partition
		}
		return all[i].Offset < all[j].Offset
	})
	return all
}

// consumersCommitted reads a group's committed offsets with a Kafka admin client.
func consumersCommitted(t *testing.T, group, topic string, partitions ...int32) map[int32]int64 {
	t.Helper()
	a, err := ck.NewAdminClient(&ck.ConfigMap{"bootstrap.servers": st.Bootstrap, "log_level": 0})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tps := make([]ck.TopicPartition, len(partitions))
	for i, p := range partitions {
		tps[i] = ck.TopicPartition{Topic: &topic, Partition: p}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := a.ListConsumerGroupOffsets(ctx, []ck.ConsumerGroupTopicPartitions{{Group: group, Partitions: tps}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			out[tp.Partition] = int64(tp.Offset)
		}
	}
	return out
}

// The Strimzi consumer flow with the json format: create, subscribe, poll
// what the v3 API produced (keys, values, headers, timestamps, offsets),
// commit, seek back and read again, delete.
func TestConsumersJSONFlow(t *testing.T) {
	topic, group := "consumers-flow", "consumers-flow-group"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 2})
	var body strings.Builder
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&body, `{"partition_id": %d, "key": {"type": "JSON", "data": "k%d"}, "value": {"type": "JSON", "data": {"n": %d}},`+
			` "headers": [{"name": "h", "value": "%s"}], "timestamp": "2024-05-01T12:00:0%d.123Z"}`,
			i%2, i, i, base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("hv%d", i))), i)
	}
	produced := results(t, produce(t, topic, body.String()))
	if len(produced) != 4 {
		t.Fatalf("produced %d", len(produced))
	}

	path := consumersCreate(t, group, `{"name": "c1", "format": "json", "auto.offset.reset": "earliest", "enable.auto.commit": false}`)
	wantError(t, as(t, "writer", "POST", "/consumers/"+group, consumersV2, `{"name": "c1"}`), http.StatusConflict, 409)
	consumersNoContent(t, "POST", path+"/subscription", `{"topics": ["`+topic+`"]}`)

	// Subscribing and assigning are exclusive.
	wantError(t, as(t, "writer", "POST", path+"/assignments", consumersV2, `{"partitions": [{"topic": "`+topic+`", "partition": 0}]}`), http.StatusConflict, 409)
	wantError(t, as(t, "writer", "POST", path+"/subscription", consumersV2, `{"topics": ["`+topic+`"], "topic_pattern": "consumers-.*"}`), http.StatusConflict, 409)

	recs := consumersPollAll(t, path, "json", 4)
	for _, r := range recs {
		i := -1
		for j, p := range produced {
			if p.PartitionID == r.Partition && p.Offset == r.Offset {
				i = j
			}
		}
		if i < 0 {
			t.Fatalf("polled a record that was not produced: %+v", r)
		}
		if r.Topic != topic || string(r.Key) != fmt.Sprintf(`"k%d"`, i) || string(r.Value) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("record %d: %s %s %s", i, r.Topic, r.Key, r.Value)
		}
		wantTS := time.Date(2024, 5, 1, 12, 0, i, 123e6, time.UTC).UnixMilli()
		if r.Timestamp != wantTS {
			t.Errorf("record %d timestamp %d, want %d", i, r.Timestamp, wantTS)
		}
		// The client's header, then topicgate's decision id (policy_records_test.go).
		if len(r.Headers) != 2 || r.Headers[0].Key != "h" || r.Headers[0].Value != base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("hv%d", i))) ||
			r.Headers[1].Key != "topicgate-decision-id" {
			t.Errorf("record %d headers %+v", i, r.Headers)
		}
	}

	// The subscription lists the topic and, now, the partitions it holds.
	r := as(t, "writer", "GET", path+"/subscription", "", "")
	var sub struct {
		Topics     []string             `json:"topics"`
		Partitions []map[string][]int32 `json:"partitions"`
	}
	decodeAs(t, r, http.StatusOK, nil, "", &sub)
	for _, p := range sub.Partitions {
		b, _ := json.Marshal(p)
		if err := v2spec.Check("AssignedTopicPartitions", b); err != nil {
			t.Errorf("partitions entry %s: %v", b, err)
		}
	}
	if len(sub.Topics) != 1 || sub.Topics[0] != topic || len(sub.Partitions) != 1 || len(sub.Partitions[0][topic]) != 2 {
		t.Errorf("subscription %s", r.Body)
	}

	// A poll asking for another format is refused, and consumes nothing.
	wantError(t, do(t, call{method: "GET", path: path + "/records", user: "writer", pass: "writer-secret",
		header: map[string]string{"Accept": "application/vnd.kafka.binary.v2+json"}}), http.StatusNotAcceptable, 406)

	// Commit what was polled: the group's offsets are after the last records.
	consumersNoContent(t, "POST", path+"/offsets", "")
	committed := consumersCommitted(t, group, topic, 0, 1)
	if committed[0] != recs[1].Offset+1 || committed[1] != recs[3].Offset+1 {
		t.Errorf("committed %v after polling %+v", committed, recs)
	}

	// Seek back: the same records again. Seek one partition by offset.
	consumersNoContent(t, "POST", path+"/positions/beginning", `{"partitions": [{"topic": "`+topic+`", "partition": 0}, {"topic": "`+topic+`", "partition": 1}]}`)
	if again := consumersPollAll(t, path, "json", 4); again[0].Offset != recs[0].Offset || again[3].Offset != recs[3].Offset {
		t.Errorf("after seeking to the beginning: %+v", again)
	}
	consumersNoContent(t, "POST", path+"/positions", fmt.Sprintf(`{"offsets": [{"topic": "%s", "partition": 1, "offset": %d}]}`, topic, recs[3].Offset))
	if again := consumersPollAll(t, path, "json", 1); again[0].Partition != 1 || again[0].Offset != recs[3].Offset {
		t.Errorf("after seeking to offset %d: %+v", recs[3].Offset, again)
	}
	consumersNoContent(t, "POST", path+"/positions/end", `{"partitions": [{"topic": "`+topic+`", "partition": 0}]}`)
	// A partition the instance does not hold cannot be sought.
	wantError(t, as(t, "writer", "POST", path+"/positions", consumersV2, `{"offsets": [{"topic": "`+topic+`", "partition": 7, "offset": 0}]}`), http.StatusNotFound, 404)

	consumersNoContent(t, "DELETE", path+"/subscription", "")
	consumersNoContent(t, "DELETE", path, "")
	wantError(t, as(t, "writer", "DELETE", path, "", ""), http.StatusNotFound, 404)
	wantError(t, as(t, "writer", "GET", path+"/records", "", ""), http.StatusNotFound, 404)
}

// The binary format with a manual assignment, and a commit of explicit offsets.
func TestConsumersBinaryAssign(t *testing.T) {
	topic, group := "consumers-binary", "consumers-binary-group"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	raw := []byte{0, 1, 2, 0xff}
	results(t, produce(t, topic, `{"key": {"type": "BINARY", "data": "`+base64.StdEncoding.EncodeToString(raw)+`"}, "value": {"type": "STRING", "data": "plain"}}`+
		`{"value": null}`))

	path := consumersCreate(t, group, `{"auto.offset.reset": "earliest", "enable.auto.commit": false}`) // a generated name, binary by default
	consumersNoContent(t, "POST", path+"/assignments", `{"partitions": [{"topic": "`+topic+`", "partition": 0}]}`)
	wantError(t, as(t, "writer", "POST", path+"/subscription", consumersV2, `{"topics": ["`+topic+`"]}`), http.StatusConflict, 409)

	recs := consumersPollAll(t, path, "binary", 2)
	if string(recs[0].Key) != `"`+base64.StdEncoding.EncodeToString(raw)+`"` || string(recs[0].Value) != `"`+base64.StdEncoding.EncodeToString([]byte("plain"))+`"` {
		t.Errorf("binary record %s %s", recs[0].Key, recs[0].Value)
	}
	if string(recs[1].Key) != "null" || string(recs[1].Value) != "null" {
		t.Errorf("tombstone %s %s", recs[1].Key, recs[1].Value)
	}
	consumersNoContent(t, "POST", path+"/offsets", fmt.Sprintf(`{"offsets": [{"topic": "%s", "partition": 0, "offset": %d}]}`, topic, recs[0].Offset+1))
	if c := consumersCommitted(t, group, topic, 0); c[0] != recs[0].Offset+1 {
		t.Errorf("committed %v, want %d", c, recs[0].Offset+1)
	}
}

// Bad input gets the bridge's status and error shape, and changes nothing.
func TestConsumersBadInput(t *testing.T) {
	group := "consumers-bad-group"
	unknown := "/consumers/" + group + "/instances/nobody"
	for _, c := range []struct{ method, path, body string }{
		{"GET", unknown + "/subscription", ""},
		{"GET", unknown + "/records", ""},
		{"POST", unknown + "/subscription", `{"topics": ["orders"]}`},
		{"POST", unknown + "/offsets", ""},
		{"POST", unknown + "/positions/beginning", `{"partitions": [{"topic": "orders", "partition": 0}]}`},
		{"DELETE", unknown, ""},
	} {
		ct := ""
		if c.body != "" {
			ct = consumersV2
		}
		wantError(t, as(t, "writer", c.method, c.path, ct, c.body), http.StatusNotFound, 404)
	}

	for _, body := range []string{`{not json`, `{"format": "avro"}`, `{"nme": "typo"}`, `{"enable.auto.commit": "yes"}`, `{"name": "a/b"}`} {
		wantError(t, as(t, "writer", "POST", "/consumers/"+group, consumersV2, body), http.StatusUnprocessableEntity, 422)
	}
	wantError(t, as(t, "writer", "POST", "/consumers/"+group, "text/plain", `{}`), http.StatusUnsupportedMediaType, 415)
	wantError(t, as(t, "reader", "POST", "/consumers/"+group, consumersV2, `{}`), http.StatusForbidden, 403)

	path := consumersCreate(t, group, `{"name": "bad", "format": "text"}`)
	wantError(t, as(t, "writer", "POST", path+"/subscription", consumersV2, `{}`), http.StatusUnprocessableEntity, 422)
	wantError(t, as(t, "writer", "POST", path+"/subscription", consumersV2, `{"topics": ["bad topic"]}`), http.StatusUnprocessableEntity, 422)
	wantError(t, as(t, "writer", "POST", path+"/positions", consumersV2, `{"offsets": [{"topic": "orders", "partition": 0, "offset": -1}]}`), http.StatusUnprocessableEntity, 422)
	wantError(t, as(t, "writer", "GET", path+"/records?timeout=soon", "", ""), http.StatusBadRequest, 400)
	// Polling before subscribing is a conflict of state.
	wantError(t, as(t, "writer", "GET", path+"/records", "", ""), http.StatusConflict, 409)

	// A topic the policy denies, by name or by pattern: 403, and the
	// instance stays unsubscribed.
	wantError(t, as(t, "writer", "POST", path+"/subscription", consumersV2, `{"topics": ["orders", "forbidden"]}`), http.StatusForbidden, 403)
	wantError(t, as(t, "writer", "POST", path+"/assignments", consumersV2, `{"partitions": [{"topic": "forbidden", "partition": 0}]}`), http.StatusForbidden, 403)
	var sub struct {
		Topics []string `json:"topics"`
	}
	decodeAs(t, as(t, "writer", "GET", path+"/subscription", "", ""), http.StatusOK, nil, "", &sub)
	if len(sub.Topics) != 0 {
		t.Errorf("a denied subscription subscribed: %v", sub.Topics)
	}
	adminPath := "/consumers/consumers-bad-admin/instances/a"
	decodeAs(t, as(t, "admin", "POST", "/consumers/consumers-bad-admin", consumersV2, `{"name": "a"}`), http.StatusOK, v2spec, "CreatedConsumer", nil)
	t.Cleanup(func() { as(t, "admin", "DELETE", adminPath, "", "") })
	wantError(t, as(t, "admin", "POST", adminPath+"/subscription", consumersV2, `{"topic_pattern": "forbidden.*"}`), http.StatusForbidden, 403)
	if r := as(t, "admin", "POST", adminPath+"/subscription", consumersV2, `{"topic_pattern": "consumers-.*"}`); r.Status != http.StatusNoContent {
		t.Errorf("an allowed pattern answered %d: %s", r.Status, r.Body)
	}
}

// An instance serves only the principal that created it: to another, even
// one allowed on the group, it does not exist, with the very answer an
// unknown instance gets.
func TestConsumersInstanceBelongsToItsCreator(t *testing.T) {
	topic, group := "consumers-owner", "consumers-owner-group"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	path := consumersCreate(t, group, `{"name": "mine", "format": "binary"}`)
	consumersNoContent(t, "POST", path+"/subscription", `{"topics": ["`+topic+`"]}`)

	unknown := as(t, "admin", "GET", "/consumers/"+group+"/instances/nobody/subscription", "", "")
	wantError(t, unknown, http.StatusNotFound, 404)
	for _, c := range []struct{ method, path, body string }{
		{"GET", path + "/subscription", ""},
		{"GET", path + "/records", ""},
		{"POST", path + "/offsets", ""},
		{"POST", path + "/positions/beginning", `{"partitions": [{"topic": "` + topic + `", "partition": 0}]}`},
		{"DELETE", path + "/subscription", ""},
		{"DELETE", path, ""},
	} {
		ct := ""
		if c.body != "" {
			ct = consumersV2
		}
		r := as(t, "admin", c.method, c.path, ct, c.body)
		wantError(t, r, http.StatusNotFound, 404)
		if string(r.Body) != string(unknown.Body) {
			t.Errorf("admin %s %s: %s, want the unknown instance's answer %s", c.method, c.path, r.Body, unknown.Body)
		}
	}
	// The creator's instance is untouched.
	var sub struct {
		Topics []string `json:"topics"`
	}
	decodeAs(t, as(t, "writer", "GET", path+"/subscription", "", ""), http.StatusOK, nil, "", &sub)
	if len(sub.Topics) != 1 || sub.Topics[0] != topic {
		t.Errorf("the writer's subscription after the admin's requests: %v", sub.Topics)
	}
}
