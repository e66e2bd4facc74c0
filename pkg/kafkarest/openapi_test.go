package kafkarest

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestOpenAPI_CoversEveryRouteAndResolves(t *testing.T) {
	raw, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ops := 0
	for _, table := range []struct {
		prefix string
		routes []routeSpec
	}{{"/kafka/v3", v3Routes}, {"", v2Routes}} {
		for _, r := range table.routes {
			path := table.prefix + "/" + strings.Join(r.pattern, "/")
			if _, ok := doc.Paths[path][strings.ToLower(r.method)]; !ok {
				t.Errorf("no operation for %s %s", r.method, path)
			}
			ops++
		}
	}
	n := 0
	for _, p := range doc.Paths {
		n += len(p)
	}
	if n != ops {
		t.Errorf("the document has %d operations, the route tables %d", n, ops)
	}
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z0-9_]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}
