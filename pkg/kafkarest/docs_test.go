package kafkarest

import (
	"os"
	"strings"
	"testing"
)

// docs/policy.md lists every action with its operation and resource, so
// policy authors can rely on it.
func TestDocs_PolicyActionsTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Routes() {
		if r.Public {
			continue
		}
		row := "| `" + string(r.Action) + "` | `" + r.Operation + "` | `" + r.Resource + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/policy.md has no row %q", row)
		}
		if !strings.Contains(string(doc), "`"+r.Method+" "+r.Path+"`") {
			t.Errorf("docs/policy.md does not list %s %s", r.Method, r.Path)
		}
	}
}
