package policy

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestInputFieldsDocumented holds docs/policy.md's input table to the Go
// types: every field of Input (walked by reflection, by JSON name) must have
// a row, or be named in backticks in its parent's row (`{name, id}`), and
// every row must name a field, so the document cannot drift from what
// policies receive.
func TestInputFieldsDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := documentedInputFields(t, string(raw))
	fields := InputFields()

	var missing, unknown []string
	for path := range fields {
		if !strings.HasSuffix(path, "[]") && !documentedField(documented, path) {
			missing = append(missing, path)
		}
	}
	for path := range documented {
		if !inputPathKnown(fields, path) {
			unknown = append(unknown, path)
		}
	}
	sort.Strings(missing)
	sort.Strings(unknown)
	for _, p := range missing {
		t.Errorf("input field %q (pkg/policy/input.go) has no row in docs/policy.md's input table", p)
	}
	for _, p := range unknown {
		t.Errorf("docs/policy.md's input table documents %q, which is not a field of policy.Input", p)
	}
}

// documentedField: path has a row, or its parent's row names it in
// backticks ("`{name, value, operation}`").
func documentedField(rows map[string]string, path string) bool {
	if _, ok := rows[path]; ok {
		return true
	}
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return false
	}
	parent, name := strings.TrimSuffix(path[:i], "[]"), path[i+1:]
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`)
	for _, span := range tableName.FindAllStringSubmatch(rows[parent], -1) {
		if word.MatchString(span[1]) {
			return true
		}
	}
	return false
}

// inputPathKnown: path is a field, or lies under a field whose keys or value
// are free (a map, or any JSON value).
func inputPathKnown(fields map[string]string, path string) bool {
	if _, ok := fields[path]; ok {
		return true
	}
	for p, kind := range fields {
		if (kind == KindMap || kind == KindAny) && strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

var tableName = regexp.MustCompile("`([^`]+)`")

// documentedInputFields reads the rows of the table of the "## The input
// document" section: each name of the first column, with the row's text. A
// name starting with "." belongs to each name of the last row that did not
// ("`records[].key`, `records[].value`" then "`.type`").
func documentedInputFields(t *testing.T, doc string) map[string]string {
	t.Helper()
	start := strings.Index(doc, "\n## The input document")
	if start < 0 {
		t.Fatal(`docs/policy.md has no "## The input document" section`)
	}
	section := doc[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	out := map[string]string{}
	var parents []string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.SplitN(line, "|", 3)
		cell := cells[1]
		var names []string
		for _, m := range tableName.FindAllStringSubmatch(cell, -1) {
			names = append(names, m[1])
		}
		if !strings.HasPrefix(names[0], ".") {
			parents = names
			for _, n := range names {
				out[n] = cells[2]
			}
			continue
		}
		for _, n := range names {
			for _, p := range parents {
				out[p+n] = cells[2]
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("docs/policy.md's input section has no table rows")
	}
	return out
}
