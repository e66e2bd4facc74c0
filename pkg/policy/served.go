package policy

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/open-policy-agent/opa/v1/rego"
)

// unsafeBuiltins are refused: policies decide from their input and data
// only, and must not call out.
var unsafeBuiltins = map[string]struct{}{"http.send": {}, "net.lookup_ip_addr": {}, "opa.runtime": {}}

// RegoOptions are the options topicgate compiles a policy directory with:
// the query, every *.rego and data file under dir but tests and hidden
// files (Rego v1), built-in errors as evaluation errors, and no built-in
// that reaches outside. The engine uses them, and so do `topicgate policy
// check` and `eval`, so that they compile what topicgate serves.
func RegoOptions(dir, query string) []func(*rego.Rego) {
	return []func(*rego.Rego){
		rego.Query(query),
		rego.Load([]string{dir}, excludeTests),
		rego.StrictBuiltinErrors(true),
		rego.UnsafeBuiltins(unsafeBuiltins),
	}
}

// excludeTests keeps *_test.rego files and hidden files and directories out
// of the served policy, as fingerprint does.
func excludeTests(path string, info fs.FileInfo, depth int) bool {
	return ExcludeHidden(path, info, depth) || !info.IsDir() && strings.HasSuffix(info.Name(), "_test.rego")
}

// ExcludeHidden is a loader filter that leaves out hidden files and hidden
// directories below the top, as topicgate does when it serves a directory.
// Hidden directories matter: a Kubernetes ConfigMap volume holds each file
// three times (..data/, the timestamped ..2024_x/ and a symlink), and .git
// may hold anything. `topicgate policy test` loads with it, tests included.
func ExcludeHidden(_ string, info fs.FileInfo, depth int) bool {
	if strings.HasPrefix(info.Name(), ".") {
		return depth > 0 || !info.IsDir()
	}
	return false
}

// Evaluate evaluates a query prepared with RegoOptions for in, and reads the
// result as a decision. It never fails: an evaluation error, an undefined
// result and a malformed one deny, with Err saying why. opts add tracers or
// a print hook (`topicgate policy eval`); ctx bounds the evaluation.
func Evaluate(ctx context.Context, pq rego.PreparedEvalQuery, query string, in *Input, opts ...rego.EvalOption) Decision {
	input, err := astInput(in)
	if err != nil {
		return Decision{Err: err}
	}
	rs, err := pq.Eval(ctx, append([]rego.EvalOption{rego.EvalParsedInput(input)}, opts...)...)
	if err != nil {
		return Decision{Err: fmt.Errorf("evaluating %s: %w", query, err)}
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return Decision{Err: fmt.Errorf("%s is undefined", query)}
	}
	d, err := parseResult(rs[0].Expressions[0].Value)
	if err != nil {
		return Decision{Err: err}
	}
	return d
}
