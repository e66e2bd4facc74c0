package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/topicgate/topicgate/pkg/policy"
)

// policyTest runs the Rego tests of each directory on its own (each is one
// policy: they may all be package topicgate.authz), with the policy's files
// as topicgate loads them (hidden files left out) plus its *_test.rego, and
// built-in errors raised as topicgate raises them. It fails when a test
// fails or errs, and when a directory has no tests at all.
func policyTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("topicgate policy test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: topicgate policy test [-v] [-run REGEX] DIR...")
		fs.PrintDefaults()
	}
	verbose := fs.Bool("v", false, "also print durations, print() output, and the trace of each failed test")
	run := fs.String("run", "", "run only the tests whose name (package.rule) matches this regular expression")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("policy test: name at least one policy directory")
	}
	if _, err := regexp.Compile(*run); err != nil {
		return fmt.Errorf("policy test: -run: %w", err)
	}
	var total testCounts
	var broken []string
	for _, dir := range fs.Args() {
		c, err := runRegoTests(ctx, dir, *run, *verbose, stdout)
		switch {
		case err != nil:
			fmt.Fprintf(stdout, "FAIL  %s: %v\n", dir, err)
			broken = append(broken, dir)
		case c.total() == 0 && *run == "":
			fmt.Fprintf(stdout, "FAIL  %s: no tests (write test_ rules in *_test.rego files)\n", dir)
			broken = append(broken, dir)
		default:
			fmt.Fprintf(stdout, "%s  %s: %s\n", c.verdict(), dir, c)
		}
		total.add(c)
	}
	switch {
	case len(broken) > 0:
		return fmt.Errorf("policy test: %d of %d directories did not run; tests: %s", len(broken), fs.NArg(), total)
	case total.failed+total.errors > 0:
		return fmt.Errorf("policy test: %s", total)
	case total.total() == 0:
		return fmt.Errorf("policy test: no test matches -run %q", *run)
	}
	return nil
}

type testCounts struct{ passed, failed, errors, skipped int }

func (c *testCounts) add(o testCounts) {
	c.passed += o.passed
	c.failed += o.failed
	c.errors += o.errors
	c.skipped += o.skipped
}

func (c testCounts) total() int { return c.passed + c.failed + c.errors + c.skipped }

func (c testCounts) verdict() string {
	if c.failed+c.errors > 0 {
		return "FAIL"
	}
	return "ok  "
}

func (c testCounts) String() string {
	s := fmt.Sprintf("%d passed, %d failed", c.passed, c.failed)
	if c.errors > 0 {
		s += fmt.Sprintf(", %d errors", c.errors)
	}
	if c.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.skipped)
	}
	return s
}

// runRegoTests runs one directory's tests and prints a line per test.
func runRegoTests(ctx context.Context, dir, run string, verbose bool, out io.Writer) (testCounts, error) {
	var c testCounts
	// The policy must load as topicgate serves it (unsafe built-ins refused,
	// for one), or its tests test something topicgate would not run.
	if _, err := rego.New(policy.RegoOptions(dir, policy.DefaultQuery, schemaDir(dir))...).PrepareForEval(ctx); err != nil {
		return c, fmt.Errorf("does not load as topicgate serves it:\n  %s", indent(strings.Join(regoErrors(err, ""), "\n"), "  "))
	}
	modules, store, err := tester.Load([]string{dir}, policy.ExcludeHidden)
	if err != nil {
		return c, loadError(err)
	}
	ch, err := tester.NewRunner().
		SetStore(store).
		RaiseBuiltinErrors(true). // as topicgate evaluates (strict built-in errors)
		CapturePrintOutput(true).
		EnableTracing(true). // to say where a failed test failed
		Filter(run).
		Run(ctx, modules)
	if err != nil {
		return c, loadError(err)
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	// Results arrive as tests finish; print them in source order.
	sort.Slice(results, func(i, j int) bool {
		a, b := results[i].Location, results[j].Location
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Row < b.Row
	})
	for _, r := range results {
		printTestResult(out, r, verbose)
		switch {
		case r.Skip:
			c.skipped++
		case r.Error != nil:
			c.errors++
		case r.Fail:
			c.failed++
		default:
			c.passed++
		}
	}
	return c, nil
}

func printTestResult(out io.Writer, r *tester.Result, verbose bool) {
	name := strings.TrimPrefix(r.Package, "data.") + "." + r.Name
	where := fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
	status := "PASS"
	switch {
	case r.Skip:
		status = "SKIP"
	case r.Error != nil:
		status = "ERROR"
	case r.Fail:
		status = "FAIL"
	}
	line := fmt.Sprintf("  %-5s %s (%s)", status, name, where)
	if verbose && !r.Skip {
		line += " " + r.Duration.String()
	}
	fmt.Fprintln(out, line)
	switch {
	case r.Error != nil:
		fmt.Fprintf(out, "        %s\n", indent(r.Error.Error(), "        "))
	case r.Fail:
		if loc := failedAt(r); loc != nil {
			fmt.Fprintf(out, "        failed at %s:%d: %s\n", loc.File, loc.Row, loc.Text)
		}
	}
	if verbose && len(r.Output) > 0 {
		fmt.Fprintf(out, "        print: %s\n", indent(strings.TrimRight(string(r.Output), "\n"), "        print: "))
	}
	if verbose && !r.Pass() && len(r.Trace) > 0 {
		var buf bytes.Buffer
		topdown.PrettyTraceWithLocation(&buf, r.Trace)
		fmt.Fprintf(out, "        trace:\n        %s\n", indent(strings.TrimRight(buf.String(), "\n"), "        "))
	}
}

func indent(s, prefix string) string { return strings.ReplaceAll(s, "\n", "\n"+prefix) }

// loadError lists a load or compile failure one problem a line, each with
// its file:line.
func loadError(err error) error {
	return errors.New("does not compile:\n  " + indent(strings.Join(regoErrors(err, ""), "\n"), "  "))
}

// failedAt finds the expression of a failed test that failed last: the last
// Fail event inside the test rule's own text.
func failedAt(r *tester.Result) *ast.Location {
	first := r.Location.Row
	last := first + strings.Count(string(r.Location.Text), "\n")
	var at *ast.Location
	for _, e := range r.Trace {
		if l := e.Location; e.Op == topdown.FailOp && l != nil && l.File == r.Location.File && l.Row >= first && l.Row <= last {
			at = l
		}
	}
	return at
}
