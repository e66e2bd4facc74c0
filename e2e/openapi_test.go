package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/topicgate/topicgate/e2e/speccheck"
	"github.com/topicgate/topicgate/e2e/stack"
	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// openapiSpec is topicgate's own OpenAPI document, fetched through Envoy.
func openapiSpec(t *testing.T) *speccheck.Spec {
	t.Helper()
	r := as(t, "", "GET", "/openapi.json", "", "")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /openapi.json answered %d: %s", r.Status, r.Body)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, r.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := speccheck.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// The document is served to anyone and describes every route topicgate has.
func TestOpenAPIDocument(t *testing.T) {
	spec := openapiSpec(t)
	for _, r := range kafkarest.Routes() {
		if !spec.HasOperation(r.Method, r.Path) {
			t.Errorf("GET /openapi.json lacks %s %s", r.Method, r.Path)
		}
	}
	// A request with credentials gets the same document.
	if r := as(t, "reader", "GET", "/openapi.json", "", ""); r.Status != http.StatusOK {
		t.Errorf("with credentials: %d", r.Status)
	}
}

// topicgate's own answers (stateless reads, committed offsets) fit the
// schemas its OpenAPI document gives them, as the Confluent and Strimzi
// answers fit theirs.
func TestOpenAPIDocumentDescribesExtensions(t *testing.T) {
	spec := openapiSpec(t)
	topic := "openapi-ext"
	createTopics(t, stack.TopicSpec{Name: topic, Partitions: 1})
	produce(t, topic, `{"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"a":1}},"headers":[{"name":"h","value":"dg=="}]}`)
	produce(t, topic, `{"value":{"type":"BINARY","data":null}}`)

	r := as(t, "writer", "GET", v3("/topics/"+topic+"/partitions/0/records?max_records=10"), "", "")
	decodeAs(t, r, http.StatusOK, spec, "RecordList", nil)

	group := "openapi-ext-group"
	// A fresh cluster's group coordinator needs a moment: 503 with Retry-After until then.
	eventually(t, func() bool {
		r = as(t, "admin", "POST", v3("/consumer-groups/"+group+"/offsets/"+topic), "application/json", `{"offsets":[{"partition_id":0,"offset":1}]}`)
		return r.Status != http.StatusServiceUnavailable
	})
	decodeAs(t, r, http.StatusOK, spec, "ConsumerGroupOffsets", nil)
	r = as(t, "admin", "GET", v3("/consumer-groups/"+group+"/offsets/"+topic), "", "")
	decodeAs(t, r, http.StatusOK, spec, "ConsumerGroupOffsets", nil)

	r = as(t, "writer", "GET", "/topics/"+topic+"/partitions/0/records", "", "")
	decodeAs(t, r, http.StatusOK, spec, "V2ConsumerRecordList", nil)
}
