package gateway_test

import (
	"strings"
	"testing"
)

var orderSchemas = map[string]string{
	"orders.v1.json": `{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "lines": {"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1}}}}}}`,
	"strict.json":    `{"type": "object", "additionalProperties": false}`,
}

func TestSchema_ValuesOfEveryType(t *testing.T) {
	tests := []struct {
		name, body string
		written    int    // records written; 0: refused with 422
		message    string // a part of the refusal
	}{
		{name: "JSON value", body: `{"value":{"type":"JSON","data":{"id":"o-1","lines":[{"qty":2}]}}}`, written: 1},
		{name: "STRING holding JSON", body: `{"value":{"type":"STRING","data":"{\"id\":\"o-2\"}"}}`, written: 1},
		{name: "BINARY holding JSON", body: `{"value":{"type":"BINARY","data":"eyJpZCI6Im8tMyJ9"}}`, written: 1}, // {"id":"o-3"}
		{name: "tombstones are not checked", body: `{"key":{"type":"STRING","data":"k"}}` + `{"value":{"type":"JSON","data":null}}`, written: 2},
		{name: "a field deep down", body: `{"value":{"type":"JSON","data":{"id":"o"}}}{"value":{"type":"JSON","data":{"id":"o","lines":[{"qty":1},{"qty":0}]}}}`,
			message: "record 1: the value does not match schema orders.v1: field /lines/1/qty: minimum: got 0, want 1."},
		{name: "a missing field", body: `{"value":{"type":"JSON","data":{"lines":[]}}}`,
			message: "record 0: the value does not match schema orders.v1: field /id: required property is missing."},
		{name: "the wrong type", body: `{"value":{"type":"JSON","data":["o"]}}`,
			message: "record 0: the value does not match schema orders.v1: the value: got array, want object."},
		{name: "STRING that is not JSON", body: `{"value":{"type":"STRING","data":"hello"}}`,
			message: "record 0: the value is STRING data that is not JSON; topic orders takes JSON values valid against schema orders.v1."},
		{name: "BINARY that is not JSON", body: `{"value":{"type":"JSON","data":{"id":"o"}}}{"value":{"type":"BINARY","data":"AAE="}}`,
			message: "record 1: the value is BINARY data that is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitsEnv(t, orderSchemas)
			e.request.ValueSchema = "orders.v1"
			resp := e.serve(t, post(recordsPath, nil), []byte(tt.body))
			if tt.written == 0 {
				e.wantRefused(t, resp, 422, 42206, tt.message)
				return
			}
			if resp.Status != 200 || len(e.cluster.messages()) != tt.written {
				t.Fatalf("status %d, %d written: %s", resp.Status, len(e.cluster.messages()), resp.Body)
			}
		})
	}
}

func TestSchema_V2AndBatchRefuseTheWholeRequest(t *testing.T) {
	e := newLimitsEnv(t, orderSchemas)
	e.records.ValueSchema = "orders.v1"
	resp := e.serve(t, post(produceV2Path, map[string]string{"content-type": produceV2JSON}), []byte(`{"records":[{"value":{"id":"a"}},{"value":{"id":7}}]}`))
	e.wantRefused(t, resp, 422, 422, "record 1: the value does not match schema orders.v1: field /id: got number, want string.")

	resp = e.serve(t, post(batchPath, nil), []byte(`{"entries":[{"id":"a","value":{"type":"JSON","data":{"id":"a"}}},{"id":"b","value":{"type":"JSON","data":{}}}]}`))
	e.wantRefused(t, resp, 422, 42206, "record 1: the value does not match schema orders.v1: field /id")
}

func TestSchema_TheRecordsPhaseNamesItUnlessItNamesNone(t *testing.T) {
	e := newLimitsEnv(t, orderSchemas)
	e.request.ValueSchema = "orders.v1"
	e.records.ValueSchema = "strict"
	resp := e.serve(t, post(recordsPath, nil), []byte(`{"value":{"type":"JSON","data":{"id":"o"}}}`))
	e.wantRefused(t, resp, 422, 42206, "schema strict: field /id: property is not allowed")
}

func TestSchema_UnknownIsAPolicyError(t *testing.T) {
	e := newLimitsEnv(t, orderSchemas)
	e.records.ValueSchema = "orders.v9"
	resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}), []byte(stringRecord("x")))
	e.wantRefused(t, resp, 403, 40301, "Request is not authorized")
	if strings.Contains(string(resp.Body), "orders.v9") {
		t.Errorf("the policy's internals reached the client: %s", resp.Body)
	}
	if got := counter(t, e.metrics, "topicgate_limit_refusals_total", map[string]string{"limit": "unknown_schema"}); got != 1 {
		t.Errorf("refusals counted %v, want 1", got)
	}
}
