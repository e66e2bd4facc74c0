package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// Every bad input gets a clear error in the v3 envelope, and none of them
// writes anything to Kafka.
func TestBadInputWritesNothing(t *testing.T) {
	path := v3("/topics/badinput/records")
	jsonCT := map[string]string{"Content-Type": "application/json"}
	big := `{"value":{"type":"STRING","data":"` + strings.Repeat("x", 1<<20) + `"}}`
	tests := []struct {
		name        string
		c           call
		status      int
		code        int
		msgContains string
	}{
		{"malformed JSON", call{body: strings.NewReader(`{"value": {"type": "STRING", "data": "a"`)}, 400, 400, "record 0 is not valid JSON"},
		{"second record truncated", call{body: strings.NewReader(`{"value":{"type":"STRING","data":"ok"}} {"value":`)}, 400, 400, "record 1"},
		{"not an object", call{body: strings.NewReader(`[1,2]`)}, 400, 400, "record 0"},
		{"unknown value type", call{body: strings.NewReader(`{"value": {"type": "XML", "data": "<a/>"}}`)}, 400, 400, "unknown value.type"},
		{"missing type", call{body: strings.NewReader(`{"value": {"data": "a"}}`)}, 400, 400, "value.type is required"},
		{"schema-based value", call{body: strings.NewReader(`{"value": {"schema_id": 1, "data": {"a": 1}}}`)}, 400, 400, "uses a schema"},
		{"bad base64 value", call{body: strings.NewReader(`{"value": {"type": "BINARY", "data": "not base64!"}}`)}, 400, 400, "base64"},
		{"bad base64 header", call{body: strings.NewReader(`{"value": {"type": "STRING", "data": "a"}, "headers": [{"name": "h", "value": "%%%"}]}`)}, 400, 400, "base64"},
		{"STRING data not a string", call{body: strings.NewReader(`{"value": {"type": "STRING", "data": {"a": 1}}}`)}, 400, 400, "JSON string"},
		{"JSON data not JSON", call{body: strings.NewReader(`{"value": {"type": "JSON", "data": {bad}}}`)}, 400, 400, "not valid JSON"},
		{"bad timestamp", call{body: strings.NewReader(`{"value": {"type": "STRING", "data": "a"}, "timestamp": "yesterday"}`)}, 400, 400, "RFC 3339"},
		{"negative partition", call{body: strings.NewReader(`{"partition_id": -1, "value": {"type": "STRING", "data": "a"}}`)}, 400, 400, "partition_id"},
		{"unknown partition", call{body: strings.NewReader(`{"partition_id": 7, "value": {"type": "STRING", "data": "a"}}`)}, 404, 40403, "partition 7"},
		{"a bad record after a good one", call{body: strings.NewReader(`{"value":{"type":"STRING","data":"good"}} {"value":{"type":"BINARY","data":"??"}}`)}, 400, 400, "record 1"},
		{"empty body", call{body: strings.NewReader(``)}, 422, 422, "Request body is empty"},
		{"whitespace body", call{body: strings.NewReader("  \n ")}, 422, 422, "Request body is empty"},
		{"wrong content type", call{body: strings.NewReader(`{"value":{"type":"STRING","data":"a"}}`), header: map[string]string{"Content-Type": "text/plain"}}, 415, 415, "application/json"},
		{"no content type", call{body: strings.NewReader(`{"value":{"type":"STRING","data":"a"}}`), header: map[string]string{"Content-Type": ""}}, 415, 415, "Unsupported Media Type"},
		// Envoy (buffer limit) or topicgate (Content-Length) may refuse an
		// oversize body first, depending on timing; both answer 413 in JSON.
		{"body over the limit", call{body: strings.NewReader(big)}, 413, 413, ""},
		{"chunked body over the limit", call{body: strings.NewReader(big), chunked: true}, 413, 413, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.method, c.path, c.user, c.pass = "POST", path, "writer", "writer-secret"
			if c.header == nil {
				c.header = jsonCT
			}
			r := do(t, c)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			e := r.err(t)
			if e.ErrorCode != tc.code || !strings.Contains(e.Message, tc.msgContains) {
				t.Errorf("got %+v, want error_code %d and a message with %q", e, tc.code, tc.msgContains)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q", ct)
			}
			if err := v3spec.Check("Error", r.Body); err != nil {
				t.Error(err)
			}
		})
	}
	if n := recordCount(t, "badinput"); n != 0 {
		t.Fatalf("bad requests wrote %d records to Kafka", n)
	}
}

// Requests for things that do not exist, or that topicgate does not serve.
func TestNotFoundAndRefused(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		status      int
		code        int
		msgContains string
	}{
		{"unknown path", "GET", "/kafka/v3/nope", "", 404, 404, "Not Found"},
		{"outside the API", "GET", "/", "", 404, 404, "Not Found"},
		{"wrong method", "DELETE", v3("/topics/orders/records"), "", 405, 405, "Method Not Allowed"},
		{"wrong cluster id", "GET", "/v3/clusters/not-a-cluster/topics", "", 404, 404, "Cluster not-a-cluster cannot be found"},
		{"unknown topic", "GET", v3("/topics/no-such-topic"), "", 404, 40403, "does not host"},
		{"produce to unknown topic", "POST", v3("/topics/no-such-topic/records"), `{"value":{"type":"STRING","data":"a"}}`, 404, 40403, "does not host"},
		{"invalid topic name", "GET", v3("/topics/bad%21name"), "", 400, 400, "topic name"},
		{"topic name too long", "GET", v3("/topics/" + strings.Repeat("t", 250)), "", 400, 400, "249"},
		{"escaped slash in a topic", "GET", v3("/topics/a%2Fb"), "", 400, 400, ""},
		{"record larger than the topic allows", "POST", v3("/topics/small/records"), `{"value":{"type":"STRING","data":"` + strings.Repeat("x", 2048) + `"}}`, 413, 413, "max.message.bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, call{method: tc.method, path: tc.path, body: strings.NewReader(tc.body), user: "writer", pass: "writer-secret",
				header: map[string]string{"Content-Type": "application/json"}})
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if e := r.err(t); e.ErrorCode != tc.code || !strings.Contains(e.Message, tc.msgContains) {
				t.Errorf("got %+v, want error_code %d and a message with %q", e, tc.code, tc.msgContains)
			}
			if tc.status == http.StatusMethodNotAllowed && r.Header.Get("Allow") != "POST" {
				t.Errorf("Allow header %q", r.Header.Get("Allow"))
			}
		})
	}
	if n := recordCount(t, "small"); n != 0 {
		t.Fatalf("the oversize record was written (%d records)", n)
	}
}
