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

// The API specs, outside the module.
const (
	specPath    = "../../../shared/specs/confluent-kafka-rest-v3.openapi.yaml"
	strimziPath = "../../../shared/specs/strimzi-kafka-bridge.openapi.json"
)

func loadSpec(t *testing.T) *speccheck.Spec {
	t.Helper()
	return loadSpecFile(t, specPath)
}

func loadStrimziSpec(t *testing.T) *speccheck.Spec {
	t.Helper()
	return loadSpecFile(t, strimziPath)
}

func loadSpecFile(t *testing.T, specPath string) *speccheck.Spec {
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

// Every route topicgate serves is an operation of its API's spec, unless
// it is marked as topicgate's own extension; extensions are in neither.
func TestRoutes_AreSpecOperations(t *testing.T) {
	for _, api := range []struct {
		name   string
		spec   *speccheck.Spec
		routes []routeSpec
	}{
		{"v3", loadSpec(t), v3Routes},
		{"v2", loadStrimziSpec(t), v2Routes},
	} {
		for _, r := range api.routes {
			path := "/" + strings.Join(r.pattern, "/")
			if api.name == "v2" {
				path = strimziPathParams.Replace(path)
			}
			t.Run(api.name+" "+r.method+" "+path, func(t *testing.T) {
				has := api.spec.HasOperation(r.method, path)
				if ext := r.flags&extension != 0; ext == has {
					t.Errorf("the spec has %s operation on %s: %v; the route is marked an extension: %v", r.method, path, has, ext)
				}
			})
		}
	}
}

// strimziPathParams renames topicgate's path parameters to the Strimzi spec's.
var strimziPathParams = strings.NewReplacer(
	"{topic_name}", "{topicname}", "{partition_id}", "{partitionid}",
	"{consumer_group_id}", "{groupid}", "{instance}", "{name}")
