package policy

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// unsafeBuiltins are refused: policies decide from their input and data
// only, and must not call out.
var unsafeBuiltins = map[string]struct{}{"http.send": {}, "net.lookup_ip_addr": {}, "opa.runtime": {}}

// RegoOptions are the options topicgate compiles a policy directory with:
// the query, every *.rego and data file under dir but tests and hidden
// files (Rego v1), built-in errors as evaluation errors, and no built-in
// that reaches outside. The engine uses them, and so do `topicgate policy
// check` and `eval`, so that they compile what topicgate serves. skip are
// directories under dir that hold no policy or data (its JSON Schemas).
func RegoOptions(dir, query string, skip ...string) []func(*rego.Rego) {
	return []func(*rego.Rego){
		rego.Query(query),
		rego.Load([]string{dir}, newSkipDirs(skip).exclude),
		rego.StrictBuiltinErrors(true),
		rego.UnsafeBuiltins(unsafeBuiltins),
	}
}

// ExcludeHidden is the loader filter of the served policy with the tests
// kept: hidden files and directories are left out as topicgate leaves them
// out. `topicgate policy test` loads with it.
func ExcludeHidden(path string, info fs.FileInfo, depth int) bool {
	name := info.Name()
	if !info.IsDir() && strings.HasSuffix(name, "_test.rego") && !strings.HasPrefix(name, ".") {
		return false
	}
	return skipDirs(nil).exclude(path, info, depth)
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
	return evaluateParsed(ctx, pq, query, input, in, opts...)
}

// evaluateParsed is Evaluate for an input already converted to its AST value.
// in, when not nil, is the input as Go values, which an allowing decision
// is checked against (decision_check.go).
func evaluateParsed(ctx context.Context, pq rego.PreparedEvalQuery, query string, input ast.Value, in *Input, opts ...rego.EvalOption) Decision {
	rs, err := pq.Eval(ctx, append([]rego.EvalOption{rego.EvalParsedInput(input)}, opts...)...)
	if err != nil {
		return Decision{Err: fmt.Errorf("evaluating %s: %w", query, err)}
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return Decision{Err: fmt.Errorf("%s is undefined", query)}
	}
	d, err := parseResult(rs[0].Expressions[0].Value)
	if err == nil && in != nil {
		err = checkDecision(&d, in)
	}
	if err != nil {
		return Decision{Err: err}
	}
	return d
}
