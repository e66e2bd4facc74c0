package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/topicgate/topicgate/pkg/policy"
)

// policyCheck checks policy directories the way topicgate would load them,
// and lints them. Errors fail the check (exit status 1): what topicgate
// would refuse to load, a missing decision rule, OPA's strict-mode findings,
// a schema file that is not JSON. Warnings do not: references to input
// fields the input document does not have (the input grows between
// versions, so a rule written for a newer topicgate warns on an older one),
// and files `opa fmt` would change.
func policyCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("topicgate policy check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: topicgate policy check [-query Q] DIR...")
		fs.PrintDefaults()
	}
	query := fs.String("query", policy.DefaultQuery, "the decision topicgate asks for (policy.query)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("policy check: name a policy directory")
	}
	failed := 0
	for _, dir := range fs.Args() {
		r := checkPolicyDir(ctx, dir, *query)
		for _, e := range r.errors {
			fmt.Fprintf(stdout, "%s\n", e)
		}
		for _, w := range r.warnings {
			fmt.Fprintf(stdout, "%s\n", w)
		}
		if len(r.errors) > 0 {
			failed++
			fmt.Fprintf(stdout, "FAIL  %s: %d errors, %d warnings\n", dir, len(r.errors), len(r.warnings))
			continue
		}
		fmt.Fprintf(stdout, "ok    %s: %s defined at %s; %d warnings\n", dir, *query, r.decisionAt, len(r.warnings))
	}
	if failed > 0 {
		return fmt.Errorf("policy check: %d of %d directories failed", failed, fs.NArg())
	}
	return nil
}

type checkResult struct {
	errors, warnings []string
	decisionAt       string // file:line of the decision rule
}

func (r *checkResult) fail(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}

// checkPolicyDir compiles dir as topicgate serves it, then again in OPA's
// strict mode (lint) and against the input document's schema (warnings).
func checkPolicyDir(ctx context.Context, dir, query string) checkResult {
	var r checkResult
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		r.fail("%s: not a directory", dir)
		return r
	}
	var compiler *ast.Compiler
	served := append(policy.RegoOptions(dir, query, schemaDir(dir)), rego.CompilerHook(func(c *ast.Compiler) { compiler = c }))
	if _, err := rego.New(served...).PrepareForEval(ctx); err != nil {
		r.errors = append(r.errors, regoErrors(err, "")...)
		r.errors = append(r.errors, checkSchemas(dir)...)
		return r
	}
	if len(compiler.Modules) == 0 {
		r.fail("%s: no .rego files: topicgate refuses to start without a policy", dir)
		return r
	}
	r.decisionAt = decisionRule(&r, compiler, dir, query)

	// Lint: unused variables and imports, shadowed input or data, and the
	// other checks of OPA's strict mode. Each is a likely bug in a policy
	// (an unused `some x` constrains nothing).
	strict := append(policy.RegoOptions(dir, query, schemaDir(dir)), rego.Strict(true))
	if _, err := rego.New(strict...).PrepareForEval(ctx); err != nil {
		r.errors = append(r.errors, regoErrors(err, "lint")...)
	}
	// Input fields: type-check against the input document's schema, and
	// keep what it finds about references to fields the input lacks. (Its
	// other findings are not kept: an optional field such as
	// resource.pattern_type makes `input.resource == {"type": ..., "name":
	// ...}` look like a comparison that never holds, and it does hold.)
	typed := append(policy.RegoOptions(dir, query, schemaDir(dir)), rego.Schemas(inputSchemaSet()))
	if _, err := rego.New(typed...).PrepareForEval(ctx); err != nil {
		r.warnings = append(r.warnings, undefinedRefs(err)...)
	}
	r.warnings = append(r.warnings, unformatted(dir)...)
	r.errors = append(r.errors, checkSchemas(dir)...)
	return r
}

// decisionRule finds the rule the query names and returns its file:line,
// or records an error: without it every request is denied.
func decisionRule(r *checkResult, c *ast.Compiler, dir, query string) string {
	ref, err := ast.ParseRef(query)
	if err != nil {
		r.fail("%s: the query %q is not a reference to a rule, so it cannot be checked", dir, query)
		return ""
	}
	rules := c.GetRulesExact(ref)
	if len(rules) == 0 {
		rules = c.GetRulesWithPrefix(ref)
	}
	if len(rules) == 0 {
		var pkgs []string
		seen := map[string]bool{}
		for _, m := range c.Modules {
			if p := m.Package.Path.String(); !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
		r.fail("%s: no rule defines %s, so topicgate would deny every request (packages here: %s)",
			dir, query, strings.Join(pkgs, ", "))
		return ""
	}
	loc := rules[0].Location
	return fmt.Sprintf("%s:%d", loc.File, loc.Row)
}

// undefinedRefs lists the type checker's "undefined ref" errors as
// warnings, each with its file:line.
func undefinedRefs(err error) []string {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return nil
	}
	var out []string
	for _, e := range errs {
		if e.Code == ast.TypeErr && strings.HasPrefix(e.Message, "undefined ref") && e.Location != nil {
			e.Code = "warning"
			out = append(out, e.Error())
		}
	}
	return out
}

// regoErrors lists a failed load or compile one problem a line, each
// starting with its file:line; code, when set, replaces OPA's error code.
func regoErrors(err error, code string) []string {
	var errs ast.Errors
	if errors.As(err, &errs) && len(errs) > 0 {
		out := make([]string, len(errs))
		for i, e := range errs {
			if code != "" {
				e.Code = code
			}
			out[i] = e.Error()
		}
		return out
	}
	var loadErrs loader.Errors
	if errors.As(err, &loadErrs) && len(loadErrs) > 0 {
		var out []string
		for _, e := range loadErrs {
			out = append(out, regoErrors(e, code)...)
		}
		return out
	}
	var one *ast.Error
	if errors.As(err, &one) {
		return regoErrors(ast.Errors{one}, code)
	}
	return []string{err.Error()}
}

// unformatted warns about the .rego files (tests too, hidden files not) that
// `opa fmt` would change, at the first line it would change.
func unformatted(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && path != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		formatted, err := format.Source(path, src)
		if err != nil || bytes.Equal(formatted, src) {
			return nil // a file that does not parse is reported by the compile
		}
		a, b := strings.Split(string(src), "\n"), strings.Split(string(formatted), "\n")
		line := 1
		for line <= len(a) && line <= len(b) && a[line-1] == b[line-1] {
			line++
		}
		out = append(out, fmt.Sprintf("%s:%d: warning: not formatted as `opa fmt` formats it", path, line))
		return nil
	})
	return out
}
