package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/topicgate/topicgate/e2e/speccheck"
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
