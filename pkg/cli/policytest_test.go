package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// shippedPolicies is the directory of the policies topicgate ships.
const shippedPolicies = "../../policies"

// runMain runs topicgate in-process and returns its output and the exit
// status cmd/topicgate would give.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Main(context.Background(), args, &out, &errb)
	var exit *ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.Code
	default:
		code = 1
	}
	if err != nil && err.Error() != "" {
		errb.WriteString("topicgate: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), code
}

// policyDir writes files into a new directory and returns its path.
func policyDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// shippedDirs lists the policy directories under policies/.
func shippedDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(shippedPolicies)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, filepath.Join(shippedPolicies, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("policies/ holds %v", dirs)
	}
	return dirs
}

const smallPolicy = `package topicgate.authz

default allow := false

allow if input.principal.id == "ok"

decision := {"allow": allow}
`

func TestPolicyTest(t *testing.T) {
	passing := `package topicgate.authz_test

import data.topicgate.authz

test_ok_allowed if authz.decision.allow with input as {"principal": {"id": "ok"}}

test_other_denied if {
	print("checking other")
	not authz.decision.allow with input as {"principal": {"id": "other"}}
}
`
	failing := `package topicgate.authz_test

import data.topicgate.authz

test_ok_allowed if authz.decision.allow with input as {"principal": {"id": "ok"}}

test_wrongly_expects_allow if {
	d := authz.decision with input as {"principal": {"id": "nope"}}
	d.allow
}

test_errors if to_number("x") > 0

todo_test_later if false
`
	tests := []struct {
		name     string
		args     func(t *testing.T) []string
		wantCode int
		want     []string // regular expressions the output must match
		notWant  []string
	}{
		{
			name: "passing tests",
			args: func(t *testing.T) []string {
				return []string{policyDir(t, map[string]string{"p.rego": smallPolicy, "p_test.rego": passing})}
			},
			want:     []string{`(?m)^  PASS  topicgate\.authz_test\.test_ok_allowed \(.*p_test\.rego:5\)$`, `(?m)^  PASS  topicgate\.authz_test\.test_other_denied`, `(?m)^ok    .*: 2 passed, 0 failed$`},
			notWant:  []string{"checking other"}, // print output only with -v
			wantCode: 0,
		},
		{
			name: "-v shows print output and durations",
			args: func(t *testing.T) []string {
				return []string{"-v", policyDir(t, map[string]string{"p.rego": smallPolicy, "p_test.rego": passing})}
			},
			want: []string{`print: checking other`, `p_test\.rego:7\) [0-9.]+[µnm]?s`},
		},
		{
			name: "a failing test, an erroring one and a skipped one",
			args: func(t *testing.T) []string {
				return []string{policyDir(t, map[string]string{"p.rego": smallPolicy, "p_test.rego": failing})}
			},
			wantCode: 1,
			want: []string{
				`(?m)^  FAIL  topicgate\.authz_test\.test_wrongly_expects_allow \(.*p_test\.rego:7\)$`,
				`(?m)^        failed at .*p_test\.rego:9: d\.allow$`,
				`(?m)^  ERROR topicgate\.authz_test\.test_errors .*\n        .*p_test\.rego:12: eval_builtin_error: to_number: .*invalid syntax`,
				`(?m)^  SKIP  topicgate\.authz_test\.todo_test_later`,
				`(?m)^FAIL  .*: 1 passed, 1 failed, 1 errors, 1 skipped$`,
				`topicgate: policy test: 1 passed, 1 failed, 1 errors, 1 skipped`,
			},
		},
		{
			name: "-run picks tests",
			args: func(t *testing.T) []string {
				return []string{"-run", "ok_allowed", policyDir(t, map[string]string{"p.rego": smallPolicy, "p_test.rego": failing})}
			},
			want:    []string{`PASS  topicgate\.authz_test\.test_ok_allowed`, `1 passed, 0 failed`},
			notWant: []string{"wrongly"},
		},
		{
			name:     "a directory without tests fails",
			args:     func(t *testing.T) []string { return []string{policyDir(t, map[string]string{"p.rego": smallPolicy})} },
			wantCode: 1,
			want:     []string{`FAIL  .*: no tests \(write test_ rules in \*_test\.rego files\)`},
		},
		{
			name: "a compile error names its file and line",
			args: func(t *testing.T) []string {
				return []string{policyDir(t, map[string]string{"p.rego": smallPolicy + "\nbroken if {\n\tinput.x ==\n}\n", "p_test.rego": passing})}
			},
			wantCode: 1,
			want:     []string{`FAIL  .*: does not load as topicgate serves it:\n  .*p\.rego:11: rego_parse_error`, `policy test: 1 of 1 directories did not run; tests: 0 passed, 0 failed`},
		},
		{
			name: "a broken test file names its file and line",
			args: func(t *testing.T) []string {
				return []string{policyDir(t, map[string]string{"p.rego": smallPolicy, "p_test.rego": passing + "\ntest_broken if {\n"})}
			},
			wantCode: 1,
			want:     []string{`FAIL  .*: does not compile:\n  .*p_test\.rego:1[23]: rego_parse_error`},
		},
		{
			name: "a policy topicgate would not load fails, even if its tests pass",
			args: func(t *testing.T) []string {
				return []string{policyDir(t, map[string]string{"p.rego": smallPolicy + "\nremote := http.send({\"method\": \"GET\", \"url\": \"http://127.0.0.1:1\"})\n", "p_test.rego": passing})}
			},
			wantCode: 1,
			want:     []string{`FAIL  .*: does not load as topicgate serves it:\n  .*p\.rego:9: rego_type_error: unsafe built-in function calls in expression: http\.send`},
		},
		{
			name: "hidden files are not loaded, as topicgate serves",
			args: func(t *testing.T) []string {
				return []string{policyDir(t, map[string]string{"p.rego": smallPolicy, "p_test.rego": passing, "..data/p.rego": "package topicgate.authz\n\nallow := true\n"})}
			},
			want: []string{`2 passed, 0 failed`},
		},
		{
			name: "several directories, one failing",
			args: func(t *testing.T) []string {
				return []string{filepath.Join(shippedPolicies, "demo"), policyDir(t, map[string]string{"p.rego": smallPolicy})}
			},
			wantCode: 1,
			want:     []string{`(?m)^ok    \.\./\.\./policies/demo: \d+ passed, 0 failed$`, `1 of 2 directories did not run; tests: \d+ passed, 0 failed`},
		},
		{
			name:     "no directory",
			args:     func(*testing.T) []string { return nil },
			wantCode: 1,
			want:     []string{`Usage: topicgate policy test`, `name at least one policy directory`},
		},
		{
			name:     "a bad -run",
			args:     func(*testing.T) []string { return []string{"-run", "(", "x"} },
			wantCode: 1,
			want:     []string{`-run: error parsing regexp`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runMain(t, append([]string{"policy", "test"}, tt.args(t)...)...)
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

// TestShippedPoliciesThroughTheCLI runs `policy test` and `policy check` on
// every shipped policy directory: the tests pass with strict built-in errors
// (as topicgate evaluates), and each directory is clean of lint errors.
// TestShippedPolicies (pkg/policy) runs the same Rego tests through OPA's
// tester directly; this adds strictness and the lint.
func TestShippedPoliciesThroughTheCLI(t *testing.T) {
	for _, dir := range shippedDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			stdout, stderr, code := runMain(t, "policy", "test", dir)
			if code != 0 || !strings.Contains(stdout, ", 0 failed") {
				t.Errorf("policy test %s: exit %d\n%s%s", dir, code, stdout, stderr)
			}
			stdout, stderr, code = runMain(t, "policy", "check", dir)
			if code != 0 || !strings.Contains(stdout, "ok    "+dir) {
				t.Errorf("policy check %s: exit %d\n%s%s", dir, code, stdout, stderr)
			}
			if strings.Contains(stdout, "warning:") {
				t.Logf("policy check %s warns (fields of a newer input document?):\n%s", dir, stdout)
			}
		})
	}
}
