package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/topicgate/topicgate/pkg/policy"
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

// checkSchemas checks the JSON Schemas under dir/schemas, where a decision's
// value_schema finds them: each *.json file must be a JSON object (or a
// boolean schema).
//
// TODO(schema): when pkg/schema lands, compile each schema with it, so that
// check reports what topicgate would refuse, not only bad JSON.
func checkSchemas(dir string) []string {
	root := filepath.Join(dir, "schemas")
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return nil
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return []string{err.Error()}
	}
	sort.Strings(files)
	var problems []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			line := 1
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line += bytes.Count(raw[:se.Offset], []byte("\n"))
			}
			problems = append(problems, fmt.Sprintf("%s:%d: schema: not JSON: %v", f, line, err))
			continue
		}
		switch v.(type) {
		case map[string]any, bool:
		default:
			problems = append(problems, fmt.Sprintf("%s:1: schema: a JSON Schema is an object or a boolean, not %T", f, v))
		}
	}
	return problems
}
