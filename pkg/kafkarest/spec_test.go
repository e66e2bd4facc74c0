package kafkarest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/topicgate/topicgate/e2e/speccheck"
)

// specPath is the Confluent Kafka REST v3 OpenAPI spec, outside the module.
const specPath = "../../../shared/specs/confluent-kafka-rest-v3.openapi.yaml"

func loadSpec(t *testing.T) *speccheck.Spec {
	t.Helper()
	if _, err := os.Stat(specPath); errors.Is(err, os.ErrNotExist) {
		t.Skipf("Confluent spec not found at %s", specPath)
	}
	spec, err := speccheck.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestRender_MatchesConfluentSpec(t *testing.T) {
	spec := loadSpec(t)
	for _, r := range renderedBodies() {
		t.Run(r.name, func(t *testing.T) {
			body, err := r.body()
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			docs := 0
			for dec.More() {
				var doc json.RawMessage
				if err := dec.Decode(&doc); err != nil {
					t.Fatalf("document %d: %v", docs, err)
				}
				if err := spec.Check(r.schema, doc); err != nil {
					t.Errorf("document %d: %v", docs, err)
				}
				docs++
			}
			if docs == 0 || (!r.multi && docs != 1) {
				t.Errorf("body has %d documents", docs)
			}
		})
	}
}

// Every route topicgate serves is an operation of the spec.
func TestRoutes_AreSpecOperations(t *testing.T) {
	spec := loadSpec(t)
	for _, r := range v3Routes {
		path := "/" + strings.Join(r.pattern, "/")
		t.Run(r.method+" "+path, func(t *testing.T) {
			if !spec.HasOperation(r.method, path) {
				t.Errorf("the spec has no %s operation on %s", r.method, path)
			}
		})
	}
}
