package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/topicgate/topicgate/pkg/metrics"
)

const orderV1 = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["id", "amount"],
  "properties": {
    "id": {"type": "string"},
    "amount": {"type": "number", "minimum": 0},
    "customer": {"$ref": "customer.v1.json"},
    "tags": {"type": "array", "items": {"type": "string"}}
  },
  "additionalProperties": false
}`

const customerV1 = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["email"],
  "properties": {"email": {"type": "string", "format": "email"}, "a/b~c": {"type": "integer"}}
}`

func writeSchemas(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newStore(t testing.TB, files map[string]string) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "schemas")
	writeSchemas(t, dir, files)
	s, err := New(Options{Dir: dir, Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestStore_LoadsEachFileByName(t *testing.T) {
	s, _ := newStore(t, map[string]string{
		"orders.v1.json": orderV1, "customer.v1.json": customerV1,
		"README.md": "not a schema", ".hidden.json": "{", // neither is loaded
	})
	if got := s.Status().Schemas; strings.Join(got, ",") != "customer.v1,orders.v1" {
		t.Fatalf("schemas %v", got)
	}
	if s.Lookup("orders.v1") == nil || s.Lookup("orders") != nil || s.Lookup("README") != nil {
		t.Fatal("Lookup finds the wrong schemas")
	}
}

func TestStore_MissingDirectoryIsEmpty(t *testing.T) {
	s, err := New(Options{Dir: filepath.Join(t.TempDir(), "none")})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); len(st.Schemas) != 0 || s.Lookup("x") != nil {
		t.Fatalf("%+v", st)
	}
}

func TestStore_BrokenAtStartFails(t *testing.T) {
	tests := map[string]map[string]string{
		"not JSON":            {"a.json": `{"type": `},
		"not a schema":        {"a.json": `{"type": "colour"}`},
		"unknown reference":   {"a.json": `{"$ref": "b.json"}`},
		"reference elsewhere": {"a.json": `{"$ref": "https://example.com/b.json"}`},
		"bad file name":       {"a b.json": `{}`},
	}
	for name, files := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeSchemas(t, dir, files)
			if _, err := New(Options{Dir: dir}); err == nil {
				t.Fatal("loaded")
			}
		})
	}
}

func TestStore_ReloadSwapsAndKeepsTheLastGoodSet(t *testing.T) {
	s, dir := newStore(t, map[string]string{"a.json": `{"type": "string"}`})
	if changed, err := s.Reload(); changed || err != nil {
		t.Fatalf("reload of unchanged files: %v %v", changed, err)
	}
	writeSchemas(t, dir, map[string]string{"a.json": `{"type": "number"}`, "b.json": `{}`})
	if changed, err := s.Reload(); !changed || err != nil {
		t.Fatalf("reload after a change: %v %v", changed, err)
	}
	if v := s.Lookup("a").Validate("text"); v == nil {
		t.Fatal("the new schema a does not apply")
	}
	writeSchemas(t, dir, map[string]string{"b.json": `{"type": 5}`})
	if _, err := s.Reload(); err == nil {
		t.Fatal("a broken set loaded")
	}
	st := s.Status()
	if st.Failures != 1 || !strings.Contains(st.LastError, "b.json") || len(st.Schemas) != 2 {
		t.Fatalf("status after a failed load: %+v", st)
	}
	if s.Lookup("a").Validate(float64(1)) != nil {
		t.Fatal("the last good set is not in force")
	}
	writeSchemas(t, dir, map[string]string{"b.json": `{"type": "object"}`})
	if _, err := s.Reload(); err != nil || s.Status().LastError != "" {
		t.Fatalf("a good load after a failure: %v %+v", err, s.Status())
	}
	os.Remove(filepath.Join(dir, "b.json"))
	if _, err := s.Reload(); err != nil || s.Lookup("b") != nil {
		t.Fatal("a removed schema is still there")
	}
}

// A Kubernetes ConfigMap volume: each file is a symlink into ..data.
func TestStore_ConfigMapLayout(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "..2026_01_01")
	writeSchemas(t, data, map[string]string{"a.json": `{"type": "string"}`})
	if err := os.Symlink(filepath.Base(data), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "a.json"), filepath.Join(dir, "a.json")); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Status().Schemas; len(got) != 1 || got[0] != "a" {
		t.Fatalf("schemas %v", got)
	}
}
