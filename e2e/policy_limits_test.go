package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/topicgate/topicgate/e2e/stack"
)

// The decision's value_schema, limits and quotas, set for the limits-*
// topics by testdata/policy/limits.rego, with schemas from
// testdata/policy/schemas/.

func TestLimitsSchemaAcceptsValidAndRefusesInvalidValues(t *testing.T) {
	const topic = "limits-schema"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})

	valid := `{"value":{"type":"JSON","data":{"id":"o-1","amount":12.5,"lines":[{"sku":"a","qty":2}]}}}` +
		`{"value":{"type":"STRING","data":"{\"id\":\"o-2\",\"amount\":0}"}}`
	rs := results(t, produce(t, topic, valid))
	if len(rs) != 2 || rs[0].ErrorCode != 200 || rs[1].ErrorCode != 200 {
		t.Fatalf("valid records: %+v", rs)
	}

	refused := []struct {
		name, body, message string
	}{
		{"a field deep down", `{"value":{"type":"JSON","data":{"id":"o-3","amount":1}}}{"value":{"type":"JSON","data":{"id":"o-4","amount":1,"lines":[{"sku":"a"},{"sku":"b","qty":0}]}}}`,
			"record 1: the value does not match schema limits-order.v1: field /lines/1/qty: minimum: got 0, want 1."},
		{"a missing field", `{"value":{"type":"JSON","data":{"id":"o-5"}}}`,
			"record 0: the value does not match schema limits-order.v1: field /amount: required property is missing."},
		{"not JSON", `{"value":{"type":"STRING","data":"an order"}}`,
			"record 0: the value is STRING data that is not JSON; topic limits-schema takes JSON values valid against schema limits-order.v1."},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if e := wantError(t, produce(t, topic, tc.body), http.StatusUnprocessableEntity, 42206); e.Message != tc.message {
				t.Errorf("message %q, want %q", e.Message, tc.message)
			}
		})
	}
	t.Run("v2", func(t *testing.T) {
		r := produceV2Post(t, "writer", "/topics/"+topic, "json", `{"records":[{"value":{"id":"o-6","amount":"ten"}}]}`)
		if e := wantError(t, r, http.StatusUnprocessableEntity, 422); !strings.Contains(e.Message, "field /amount: got string, want number") {
			t.Errorf("message %q", e.Message)
		}
	})

	msgs := readTopic(t, topic)
	if len(msgs) != 2 {
		t.Fatalf("%d records in Kafka, want the 2 valid ones", len(msgs))
	}
	if got := string(msgs[1].Value); got != `{"id":"o-2","amount":0}` {
		t.Errorf("second record %s", got)
	}
}

// A decision naming a schema that does not exist is a policy error: denied.
func TestLimitsUnknownSchemaDenies(t *testing.T) {
	const topic = "limits-noschema"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	wantError(t, produce(t, topic, `{"value":{"type":"JSON","data":{}}}`), http.StatusForbidden, 40301)
	waitForLog(t, st.LogPath("topicgate"), `"schema":"limits-missing"`)
	if n := recordCount(t, topic); n != 0 {
		t.Fatalf("wrote %d records", n)
	}
}

// Schemas reload with the policies: an edit applies, a broken edit keeps
// the last good set and shows in /readyz.
func TestLimitsSchemaReload(t *testing.T) {
	const topic = "limits-reload"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	file := filepath.Join(policyDir, "schemas", "limits-reload.v1.json")
	original, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		writeFile(t, file, string(original))
		eventually(t, func() bool { return schemasReady(t).Schemas.LastError == "" })
	})
	text := `{"value":{"type":"JSON","data":{"n":"seven"}}}`
	if e := wantError(t, produce(t, topic, text), http.StatusUnprocessableEntity, 42206); !strings.Contains(e.Message, "field /n: got string, want integer") {
		t.Fatalf("message %q", e.Message)
	}

	writeFile(t, file, `{"type": "object", "required": ["n"], "properties": {"n": {"type": ["integer", "string"]}}}`)
	eventually(t, func() bool { return produce(t, topic, text).Status == http.StatusOK })

	failed := schemasReady(t).Schemas.Failures
	writeFile(t, file, `{"type": "object", "properties": {"n": {"type": "colour"}}}`)
	eventually(t, func() bool { return schemasReady(t).Schemas.Failures > failed })
	if rz := schemasReady(t); !strings.Contains(rz.Schemas.LastError, "limits-reload.v1.json") || !rz.Ready {
		t.Errorf("readyz after a failed schema load: %+v", rz)
	}
	if r := produce(t, topic, text); r.Status != http.StatusOK {
		t.Fatalf("the last good schemas were not kept: %d %s", r.Status, r.Body)
	}
	if n := recordCount(t, topic); n != 2 {
		t.Fatalf("%d records in Kafka, want 2", n)
	}
}

// max_records, max_record_bytes and max_request_bytes answer as the
// gateway's own limits do, and write nothing.
func TestLimitsSizesAndCounts(t *testing.T) {
	const topic = "limits-size"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	small := `{"value":{"type":"STRING","data":"ok"}}`
	t.Run("max_records", func(t *testing.T) {
		e := wantError(t, produce(t, topic, strings.Repeat(small, 3)), http.StatusBadRequest, 400)
		if e.Message != "Bad Request: a request may hold at most 2 records, got 3" {
			t.Errorf("message %q", e.Message)
		}
		r := produceV2Post(t, "writer", "/topics/"+topic, "text", `{"records":[{"value":"a"},{"value":"b"},{"value":"c"}]}`)
		wantError(t, r, http.StatusUnprocessableEntity, 422)
	})
	t.Run("max_record_bytes", func(t *testing.T) {
		big := `{"value":{"type":"STRING","data":"` + strings.Repeat("x", 101) + `"}}`
		e := wantError(t, produce(t, topic, small+big), http.StatusRequestEntityTooLarge, 413)
		if !strings.Contains(e.Message, "record 1 is 101 bytes; this caller may write at most 100 bytes per record") {
			t.Errorf("message %q", e.Message)
		}
	})
	t.Run("max_request_bytes", func(t *testing.T) {
		body := `{"value":{"type":"STRING","data":"ok"},"headers":[{"name":"pad","value":"` + strings.Repeat("A", 1000) + `"}]}`
		e := wantError(t, produce(t, topic, body), http.StatusRequestEntityTooLarge, 413)
		if want := "The request body is " + strconv.Itoa(len(body)) + " bytes; this caller may send at most 1000 bytes to topic limits-size."; e.Message != want {
			t.Errorf("message %q, want %q", e.Message, want)
		}
	})
	if n := recordCount(t, topic); n != 0 {
		t.Fatalf("refused requests wrote %d records", n)
	}
	rs := results(t, produce(t, topic, small+small))
	if len(rs) != 2 || rs[1].ErrorCode != 200 {
		t.Fatalf("within the limits: %+v", rs)
	}
	if n := recordCount(t, topic); n != 2 {
		t.Fatalf("%d records in Kafka, want 2", n)
	}
}

// At 1 record per second (a burst of 1), producing one record after the
// other is refused with 429 sooner or later, however fast the machine; what
// was acknowledged is exactly what is in Kafka.
func TestLimitsQuotaProduceUntilThrottled(t *testing.T) {
	const topic = "limits-quota"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	acked := 0
	var throttled *reply
	for i := 0; i < 50 && throttled == nil; i++ {
		r := produce(t, topic, `{"value":{"type":"STRING","data":"r`+strconv.Itoa(i)+`"}}`)
		switch r.Status {
		case http.StatusOK:
			acked++
			if r.Header.Get("RateLimit-Limit") != "1" || r.Header.Get("RateLimit-Remaining") == "" || r.Header.Get("RateLimit-Reset") == "" {
				t.Errorf("a 200 without the rate-limit headers: %v", r.Header)
			}
		case http.StatusTooManyRequests:
			throttled = &r
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	if throttled == nil {
		t.Fatal("50 records at once were not throttled at 1 record per second")
	}
	e := wantError(t, *throttled, http.StatusTooManyRequests, 42901)
	if !strings.Contains(e.Message, "this caller may write 1 records per second to topic limits-quota") {
		t.Errorf("message %q", e.Message)
	}
	h := throttled.Header
	if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", h.Get("Retry-After"))
	}
	if h.Get("RateLimit-Limit") != "1" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") == "" {
		t.Errorf("rate-limit headers of the 429: %v", h)
	}
	if n := recordCount(t, topic); n != int64(acked) {
		t.Fatalf("%d records in Kafka, %d acknowledged", n, acked)
	}
}

// A read quota shrinks pages to what is left, then refuses with 429.
func TestLimitsQuotaStatelessReads(t *testing.T) {
	const topic = "limits-readquota"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	rs := results(t, produce(t, topic, strings.Repeat(`{"value":{"type":"STRING","data":"r"}}`, 6)))
	if len(rs) != 6 {
		t.Fatalf("produce: %+v", rs)
	}
	type page struct {
		NextOffset int64             `json:"next_offset"`
		Data       []json.RawMessage `json:"data"`
	}
	read := func(offset int64) reply {
		return get(t, v3("/topics/"+topic+"/partitions/0/records?max_records=100&offset="+strconv.FormatInt(offset, 10)))
	}
	var p page
	decodeAs(t, read(0), http.StatusOK, nil, "", &p)
	if len(p.Data) != 2 { // a new bucket holds 2 records
		t.Fatalf("first page has %d records, want 2", len(p.Data))
	}
	for i := 0; i < 20; i++ {
		r := read(p.NextOffset)
		if r.Status == http.StatusTooManyRequests {
			wantError(t, r, http.StatusTooManyRequests, 42901)
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("no Retry-After: %v", r.Header)
			}
			return
		}
		decodeAs(t, r, http.StatusOK, nil, "", &p)
		if len(p.Data) > 2 {
			t.Fatalf("a page of %d records at 2 records per second", len(p.Data))
		}
	}
	t.Fatal("20 reads at once were not throttled at 2 records per second")
}

// schemaReadiness is the schemas part of /readyz.
type schemaReadiness struct {
	Ready   bool `json:"ready"`
	Schemas struct {
		Schemas   []string `json:"schemas"`
		Failures  int      `json:"failed_loads"`
		LastError string   `json:"last_error"`
	} `json:"schemas"`
}

func schemasReady(t *testing.T) schemaReadiness {
	t.Helper()
	resp, err := client.Get(st.AdminURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r schemaReadiness
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}
