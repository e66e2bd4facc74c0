package kafkarest

import (
	"strings"
	"testing"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// Bugs found by fuzzing and review, each pinned by the input that showed it.
func TestParseProduceRegressions(t *testing.T) {
	tests := []struct {
		name, body, wantMsg string
	}{
		{"typed null of an unknown type", `{"value":{"type":"XML"}}`, "unknown value.type"},
		{"typed null of a schema type", `{"value":{"type":"AVRO","data":null}}`, "Schema Registry"},
		{"typed null of an empty type", `{"key":{"type":""}}`, "unknown key.type"},
		{"a null record", `null`, "record 0 must be a JSON object"},
		{"a null record after a good one", `{"value":{"type":"STRING","data":"a"}} null`, "record 1 must be a JSON object"},
		{"a number as a record", `42`, "record 0 must be a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProduce([]byte(tc.body), 0)
			e, ok := err.(*apierr.Error)
			if !ok || e.Status != 400 || !strings.Contains(e.Message, tc.wantMsg) {
				t.Fatalf("got %v, want a 400 mentioning %q", err, tc.wantMsg)
			}
		})
	}
}
