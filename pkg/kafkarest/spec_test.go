package kafkarest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// specPath is the Confluent Kafka REST v3 OpenAPI spec, outside the module.
const specPath = "../../../shared/specs/confluent-kafka-rest-v3.openapi.yaml"

// openAPI is the part of the spec the checks read.
type openAPI struct {
	Paths      map[string]map[string]any `yaml:"paths"`
	Components struct {
		Schemas map[string]map[string]any `yaml:"schemas"`
	} `yaml:"components"`
}

func loadSpec(t *testing.T) *openAPI {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("Confluent spec not found at %s", specPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	var spec openAPI
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("parsing %s: %v", specPath, err)
	}
	if len(spec.Components.Schemas) == 0 || len(spec.Paths) == 0 {
		t.Fatalf("%s has no paths or schemas", specPath)
	}
	return &spec
}

// resolve follows a $ref within components/schemas.
func (s *openAPI) resolve(schema map[string]any) (map[string]any, error) {
	for depth := 0; depth < 32; depth++ {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema, nil
		}
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			return nil, fmt.Errorf("unsupported $ref %q", ref)
		}
		if schema, ok = s.Components.Schemas[name]; !ok {
			return nil, fmt.Errorf("$ref %q names no schema", ref)
		}
	}
	return nil, errors.New("$ref chain too long")
}

// check reports every way v (decoded with UseNumber) breaks schema: missing
// required properties and properties of the wrong JSON type, recursively
// through allOf, properties and items.
func (s *openAPI) check(at string, schema map[string]any, v any) []string {
	schema, err := s.resolve(schema)
	if err != nil {
		return []string{at + ": " + err.Error()}
	}
	var problems []string
	if all, ok := schema["allOf"].([]any); ok {
		for _, sub := range all {
			m, ok := sub.(map[string]any)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: allOf entry is %T", at, sub))
				continue
			}
			problems = append(problems, s.check(at, m, v)...)
		}
	}
	if v == nil {
		if nullable, _ := schema["nullable"].(bool); !nullable && schema["type"] != nil {
			problems = append(problems, at+": null is not allowed")
		}
		return problems
	}
	typ, _ := schema["type"].(string)
	if typ == "" && schema["properties"] != nil {
		typ = "object"
	}
	switch typ {
	case "":
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want an object, got %T", at, v))
		}
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := obj[r.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s: required property %q is missing", at, r))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for name, ps := range props {
			if pv, ok := obj[name]; ok {
				problems = append(problems, s.check(at+"."+name, ps.(map[string]any), pv)...)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want an array, got %T", at, v))
		}
		items, _ := schema["items"].(map[string]any)
		for i, item := range arr {
			problems = append(problems, s.check(fmt.Sprintf("%s[%d]", at, i), items, item)...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			problems = append(problems, fmt.Sprintf("%s: want a string, got %T", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			problems = append(problems, fmt.Sprintf("%s: want a boolean, got %T", at, v))
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			problems = append(problems, fmt.Sprintf("%s: want an integer, got %v", at, v))
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			problems = append(problems, fmt.Sprintf("%s: want a number, got %T", at, v))
		}
	default:
		problems = append(problems, fmt.Sprintf("%s: schema type %q is not supported by this checker", at, typ))
	}
	return problems
}

// checkBody decodes every JSON document of body and checks each against the
// named schema.
func (s *openAPI) checkBody(schemaName string, body []byte) []string {
	schema, ok := s.Components.Schemas[schemaName]
	if !ok {
		return []string{"the spec has no schema " + schemaName}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var problems []string
	for i := 0; ; i++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			if i == 0 {
				problems = append(problems, "empty body")
			}
			return problems
		}
		if err != nil {
			return append(problems, fmt.Sprintf("document %d: %v", i, err))
		}
		problems = append(problems, s.check(fmt.Sprintf("%s[%d]", schemaName, i), schema, v)...)
	}
}

func TestRender_MatchesConfluentSpec(t *testing.T) {
	spec := loadSpec(t)
	for _, r := range renderedBodies() {
		t.Run(r.name, func(t *testing.T) {
			body, err := r.body()
			if err != nil {
				t.Fatal(err)
			}
			if docs := bytes.Count(body, []byte("}\n{")) + 1; !r.multi && docs != 1 {
				t.Errorf("body has %d documents, want 1", docs)
			}
			for _, p := range spec.checkBody(r.schema, body) {
				t.Errorf("%s: %s", r.schema, p)
			}
		})
	}
}

// The checker itself must catch what it is there to catch.
func TestSpecChecker_FindsProblems(t *testing.T) {
	spec := loadSpec(t)
	tests := []struct {
		name   string
		schema string
		body   string
		want   []string
	}{
		{name: "valid error", schema: "Error", body: `{"error_code":404,"message":null}`},
		{name: "missing required", schema: "Error", body: `{"error_code":404}`,
			want: []string{`Error[0]: required property "message" is missing`}},
		{name: "wrong integer", schema: "Error", body: `{"error_code":"404","message":"m"}`,
			want: []string{`Error[0].error_code: want an integer, got 404`}},
		{name: "nested through allOf and $ref", schema: "TopicData",
			body: `{"kind":"KafkaTopic","metadata":{},"cluster_id":"c","topic_name":"t","is_internal":"no","replication_factor":1,"partitions_count":1,"partitions":{"related":"x"},"configs":{"related":"x"},"partition_reassignments":{"related":1}}`,
			want: []string{
				`TopicData[0].is_internal: want a boolean, got string`,
				`TopicData[0].metadata: required property "self" is missing`,
				`TopicData[0].partition_reassignments.related: want a string, got json.Number`,
			}},
		{name: "array items", schema: "ClusterDataList", body: `{"kind":"KafkaClusterList","metadata":{"self":"s","next":null},"data":[{}]}`,
			want: []string{
				`ClusterDataList[0].data[0]: required property "acls" is missing`,
				`ClusterDataList[0].data[0]: required property "broker_configs" is missing`,
				`ClusterDataList[0].data[0]: required property "brokers" is missing`,
				`ClusterDataList[0].data[0]: required property "cluster_id" is missing`,
				`ClusterDataList[0].data[0]: required property "consumer_groups" is missing`,
				`ClusterDataList[0].data[0]: required property "kind" is missing`,
				`ClusterDataList[0].data[0]: required property "metadata" is missing`,
				`ClusterDataList[0].data[0]: required property "partition_reassignments" is missing`,
				`ClusterDataList[0].data[0]: required property "topics" is missing`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := spec.checkBody(tt.schema, []byte(tt.body))
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
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
			ops, ok := spec.Paths[path]
			if !ok {
				t.Fatalf("the spec has no path %s", path)
			}
			if _, ok := ops[strings.ToLower(r.method)]; !ok {
				t.Errorf("the spec has no %s operation on %s", r.method, path)
			}
		})
	}
}
