package speccheck

import (
	"os"
	"strings"
	"testing"
)

const doc = `
components:
  schemas:
    Base:
      type: object
      required: [kind]
      properties:
        kind: {type: string}
    Thing:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          required: [id, tags]
          properties:
            id: {type: integer}
            note: {type: string, nullable: true}
            tags: {type: array, items: {type: string}}
`

func load(t *testing.T) *Spec {
	t.Helper()
	p := t.TempDir() + "/spec.yaml"
	if err := writeFile(p, doc); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheck(t *testing.T) {
	s := load(t)
	tests := []struct {
		name, body, wantErr string
	}{
		{"valid", `{"kind":"k","id":1,"tags":["a"],"note":null}`, ""},
		{"missing required from allOf base", `{"id":1,"tags":[]}`, "Thing.kind is required"},
		{"missing required", `{"kind":"k","tags":[]}`, "Thing.id is required"},
		{"wrong type", `{"kind":"k","id":"1","tags":[]}`, "Thing.id should be integer"},
		{"wrong item type", `{"kind":"k","id":1,"tags":[1]}`, "Thing.tags[0] should be a string"},
		{"null not nullable", `{"kind":null,"id":1,"tags":[]}`, "Thing.kind is null but not nullable"},
		{"not json", `{`, "not JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Check("Thing", []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestCheck_OneOf(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/spec.json"
	spec := `{"components":{"schemas":{"K":{"oneOf":[{"type":"string"},{"type":"object"}]}}}}`
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for body, ok := range map[string]bool{`"a"`: true, `{"x":1}`: true, `null`: true, `3`: false, `[1]`: false} {
		if err := s.Check("K", []byte(body)); (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want ok=%v", body, err, ok)
		}
	}
}
