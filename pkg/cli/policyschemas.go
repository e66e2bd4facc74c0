package cli

import (
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/schema"
)

// inputSchemaSet is the input document as a JSON Schema, built from
// policy.InputFields, for OPA's type checker: a reference to a field the
// input does not have is a type error at its file:line.
func inputSchemaSet() *ast.SchemaSet {
	fields := policy.InputFields()
	var build func(path, kind string) map[string]any
	build = func(path, kind string) map[string]any {
		switch kind {
		case policy.KindObject:
			props := map[string]any{}
			prefix := path + "."
			if path == "" {
				prefix = ""
			}
			for p, k := range fields {
				name, ok := strings.CutPrefix(p, prefix)
				if ok && !strings.ContainsAny(name, ".[") {
					props[name] = build(p, k)
				}
			}
			return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		case policy.KindArray:
			return map[string]any{"type": "array", "items": build(path+"[]", fields[path+"[]"])}
		case policy.KindMap:
			return map[string]any{"type": "object", "additionalProperties": true}
		case policy.KindAny:
			return map[string]any{}
		}
		return map[string]any{"type": kind}
	}
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, build("", policy.KindObject))
	return ss
}

// schemaDir is where a policy directory's JSON Schemas are, as topicgate
// serves it with the default policy.schema_dir.
func schemaDir(dir string) string { return filepath.Join(dir, "schemas") }

// checkSchemas compiles the JSON Schemas of dir as topicgate would load
// them (pkg/schema): each problem, with its file, is one line.
func checkSchemas(dir string) []string {
	_, err := schema.New(schema.Options{Dir: schemaDir(dir)})
	if err == nil {
		return nil
	}
	var problems []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			problems = append(problems, "schema: "+line)
		}
	}
	return problems
}
