package cli

import (
	"regexp"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		args     []string // before the directory
		wantCode int
		want     []string // regular expressions the output must match
		notWant  []string
	}{
		{
			name:  "a clean policy",
			files: map[string]string{"p.rego": smallPolicy},
			want:  []string{`(?m)^ok    .*: data\.topicgate\.authz\.decision defined at .*p\.rego:7; 0 warnings$`},
		},
		{
			name:     "a parse error names its file and line",
			files:    map[string]string{"p.rego": smallPolicy, "q.rego": "package topicgate.authz\n\nbroken if {\n\tinput.x ==\n}\n"},
			wantCode: 1,
			want:     []string{`(?m)^.*q\.rego:5: rego_parse_error: unexpected } token`, `(?m)^FAIL  `},
		},
		{
			name:     "a compile error names its file and line",
			files:    map[string]string{"p.rego": smallPolicy + "\nextra if undefined_function(1)\n"},
			wantCode: 1,
			want:     []string{`p\.rego:9: rego_type_error: undefined function undefined_function`},
		},
		{
			name:     "the decision rule is missing",
			files:    map[string]string{"p.rego": "package topicgate.authz\n\nallow if input.principal.id == \"ok\"\n"},
			wantCode: 1,
			want:     []string{`: no rule defines data\.topicgate\.authz\.decision, so topicgate would deny every request \(packages here: data\.topicgate\.authz\)`},
		},
		{
			name:  "-query names another rule",
			files: map[string]string{"p.rego": "package gate\n\nallow := true\n"},
			args:  []string{"-query", "data.gate.allow"},
			want:  []string{`ok    .*: data\.gate\.allow defined at .*p\.rego:3`},
		},
		{
			name:     "lint: an unused variable and an unused import",
			files:    map[string]string{"p.rego": "package topicgate.authz\n\nimport data.lists\n\nallow if {\n\tx := input.topic\n\tinput.principal.id == \"ok\"\n}\n\ndecision := {\"allow\": allow}\n"},
			wantCode: 1,
			want:     []string{`p\.rego:3: lint: import data\.lists unused`, `p\.rego:6: lint: assigned var x unused`},
		},
		{
			name:     "built-ins that call out are refused, as topicgate refuses them",
			files:    map[string]string{"p.rego": smallPolicy + "\nfetched := http.send({\"method\": \"GET\", \"url\": \"http://127.0.0.1:1\"})\n"},
			wantCode: 1,
			want:     []string{`p\.rego:9: rego_type_error: unsafe built-in function calls in expression: http\.send`},
		},
		{
			name: "an input field the input document lacks is a warning",
			files: map[string]string{"p.rego": smallPolicy + `
admin if input.principal.name == "root"

big if {
	some r in input.records
	r.value.datum.size > 10
}
`},
			want: []string{
				`p\.rego:9: warning: undefined ref: input\.principal\.name`,
				`p\.rego:13: warning: undefined ref: r\.value\.datum\.size`,
				`want \(one of\): \["data" "size" "type"\]`,
				`ok    .*; 2 warnings`,
			},
		},
		{
			name:    "free-form input fields do not warn",
			files:   map[string]string{"p.rego": smallPolicy + "\nx if input.request.headers[\"x-tenant\"] == input.records[0].value.data.tenant.id\n\ny if input.request.query.dry_run[0] == \"true\"\n"},
			want:    []string{`0 warnings`},
			notWant: []string{"warning:"},
		},
		{
			name: "tests and hidden files are not served, so not checked",
			files: map[string]string{
				"p.rego": smallPolicy, "p_test.rego": "package broken_test\n\ntest_x if {",
				".hidden.rego": "garbage", "..data/p.rego": "garbage",
			},
			want: []string{`ok    `},
		},
		{
			name:  "a file opa fmt would change is a warning",
			files: map[string]string{"p.rego": smallPolicy + "\nsum_it := 1+2\n", "p_test.rego": "package p_test\n\ntest_x if {\n  true\n}\n"},
			want:  []string{`p\.rego:9: warning: not formatted as ` + "`opa fmt`", `p_test\.rego:3: warning: not formatted`, `ok    .*; 2 warnings`},
		},
		{
			name:     "a directory without .rego files",
			files:    map[string]string{"data.json": "{}"},
			wantCode: 1,
			want:     []string{`no \.rego files: topicgate refuses to start without a policy`},
		},
		{
			name:     "a data file that does not parse",
			files:    map[string]string{"p.rego": smallPolicy, "acl/data.json": "{\"a\": "},
			wantCode: 1,
			want:     []string{`acl/data\.json`},
		},
		{
			name:     "a schema that is not JSON",
			files:    map[string]string{"p.rego": smallPolicy, "schemas/broken.json": "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}\n", "schemas/notes.txt": "not checked"},
			wantCode: 1,
			want:     []string{`schema: .*schemas/broken\.json: not valid JSON: invalid character ','`},
			notWant:  []string{"notes.txt"},
		},
		{
			name:     "a schema must be an object or a boolean",
			files:    map[string]string{"p.rego": smallPolicy, "schemas/list.json": `[1, 2]`},
			wantCode: 1,
			want:     []string{`schema: .*schemas/list\.json.* is not valid against metaschema`, `got array, want boolean or object`},
		},
		{
			name:  "a good schema",
			files: map[string]string{"p.rego": smallPolicy, "schemas/orders.v1.json": `{"type": "object", "required": ["id"]}`},
			want:  []string{`ok    `},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := policyDir(t, tt.files)
			stdout, stderr, code := runMain(t, append(append([]string{"policy", "check"}, tt.args...), dir)...)
			out := stdout + stderr
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d", code, tt.wantCode)
			}
			for _, w := range tt.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("output does not match %s", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

func TestPolicyCheck_Usage(t *testing.T) {
	stdout, stderr, code := runMain(t, "policy", "check")
	if code != 1 || !strings.Contains(stderr, "Usage: topicgate policy check") || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = runMain(t, "policy", "check", "/nonexistent/policies")
	if code != 1 || !strings.Contains(stdout, "/nonexistent/policies: not a directory") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, _, code = runMain(t, "policy")
	if code != 1 || stdout != "" {
		t.Errorf("policy alone: exit %d, %q", code, stdout)
	}
	stdout, _, code = runMain(t, "policy", "help")
	if code != 0 || stdout != policyUsage {
		t.Errorf("policy help: exit %d, %q", code, stdout)
	}
}
