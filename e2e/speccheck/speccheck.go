// Package speccheck checks JSON bodies against a schema of an OpenAPI
// document: required properties present, property types right (nullable
// allowed), recursing through allOf, $ref, objects and arrays. It is enough to
// hold topicgate's answers to the shapes of the specs clients are built from.
package speccheck

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec is a loaded OpenAPI document.
type Spec struct {
	schemas map[string]any
	paths   map[string]any
}

// HasOperation reports whether the spec defines method (lower or upper
// case) on path (as the spec writes it, e.g. "/clusters/{cluster_id}").
func (s *Spec) HasOperation(method, path string) bool {
	ops, _ := s.paths[path].(map[string]any)
	_, ok := ops[strings.ToLower(method)]
	return ok
}

// Load reads an OpenAPI document (YAML or JSON).
func Load(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	if len(schemas) == 0 {
		return nil, fmt.Errorf("%s: no components/schemas", path)
	}
	paths, _ := doc["paths"].(map[string]any)
	return &Spec{schemas: schemas, paths: paths}, nil
}

// Check validates a JSON body against the named schema.
func (s *Spec) Check(schema string, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	sc, ok := s.schemas[schema]
	if !ok {
		return fmt.Errorf("no schema %s in the spec", schema)
	}
	var problems []string
	s.check(sc, v, schema, &problems, 0)
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%s: %s", schema, strings.Join(problems, "; "))
	}
	return nil
}

func (s *Spec) resolve(sc any) map[string]any {
	m, _ := sc.(map[string]any)
	for depth := 0; m != nil && depth < 10; depth++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		m, _ = s.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	return m
}

func (s *Spec) check(sc any, v any, path string, problems *[]string, depth int) {
	m := s.resolve(sc)
	if m == nil || depth > 20 {
		return
	}
	if v == nil {
		if n, _ := m["nullable"].(bool); !n && m["type"] != nil {
			*problems = append(*problems, path+" is null but not nullable")
		}
		return
	}
	if all, ok := m["allOf"].([]any); ok {
		for _, part := range all {
			s.check(part, v, path, problems, depth+1)
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		alts, ok := m[key].([]any)
		if !ok {
			continue
		}
		fits := false
		for _, alt := range alts {
			var p []string
			if s.check(alt, v, path, &p, depth+1); len(p) == 0 {
				fits = true
				break
			}
		}
		if !fits {
			*problems = append(*problems, fmt.Sprintf("%s fits none of the %s alternatives", path, key))
		}
	}
	switch t, _ := m["type"].(string); t {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s should be an object, got %T", path, v))
			return
		}
		s.checkObject(m, obj, path, problems, depth)
	case "array":
		arr, ok := v.([]any)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s should be an array, got %T", path, v))
			return
		}
		for i, item := range arr {
			s.check(m["items"], item, fmt.Sprintf("%s[%d]", path, i), problems, depth+1)
		}
	case "string":
		if _, ok := v.(string); !ok {
			*problems = append(*problems, fmt.Sprintf("%s should be a string, got %T", path, v))
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok || (t == "integer" && f != float64(int64(f))) {
			*problems = append(*problems, fmt.Sprintf("%s should be %s, got %v", path, t, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			*problems = append(*problems, fmt.Sprintf("%s should be a boolean, got %T", path, v))
		}
	case "":
		if obj, ok := v.(map[string]any); ok && (m["properties"] != nil || m["required"] != nil) {
			s.checkObject(m, obj, path, problems, depth)
		}
	}
}

func (s *Spec) checkObject(m map[string]any, obj map[string]any, path string, problems *[]string, depth int) {
	req, _ := m["required"].([]any)
	for _, r := range req {
		name, _ := r.(string)
		if _, ok := obj[name]; !ok {
			*problems = append(*problems, fmt.Sprintf("%s.%s is required", path, name))
		}
	}
	props, _ := m["properties"].(map[string]any)
	for name, psc := range props {
		if pv, ok := obj[name]; ok {
			s.check(psc, pv, path+"."+name, problems, depth+1)
		}
	}
}
