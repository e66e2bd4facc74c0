package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/lineage"

	"github.com/topicgate/topicgate/pkg/policy"
)

// explainMode is -explain: "" (off), "fails", "notes" or "full". A bare
// -explain means "fails".
type explainMode string

func (m *explainMode) String() string { return string(*m) }

func (m *explainMode) Set(v string) error {
	switch v {
	case "true":
		*m = "fails"
	case "false":
		*m = ""
	case "fails", "notes", "full":
		*m = explainMode(v)
	default:
		return fmt.Errorf("want fails, notes or full, got %q", v)
	}
	return nil
}

func (m *explainMode) IsBoolFlag() bool { return true }

// explained is what one evaluation printed and, with -explain, its trace.
type explained struct {
	prints []string
	trace  string
}

// evaluator is the policy as policy eval asks it: as the engine does
// (policy.Evaluate, the same timeout), keeping print() output and a trace
// of each decision.
type evaluator struct {
	pq        rego.PreparedEvalQuery
	query     string
	timeout   time.Duration
	mode      explainMode
	explained []explained // one per decision, in order
}

func (e *evaluator) Decide(ctx context.Context, in *policy.Input) policy.Decision {
	var prints bytes.Buffer
	opts := []rego.EvalOption{rego.EvalPrintHook(topdown.NewPrintHook(&prints))}
	var tracer *topdown.BufferTracer
	if e.mode != "" {
		tracer = topdown.NewBufferTracer()
		// Without rule indexing every rule is tried, so the trace shows
		// why each allow rule did not apply; the result is the same.
		opts = append(opts, rego.EvalQueryTracer(tracer), rego.EvalRuleIndexing(false))
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	d := policy.Evaluate(ctx, e.pq, e.query, in, opts...)
	d.ID = uuid.NewString()
	ex := explained{}
	if s := strings.TrimRight(prints.String(), "\n"); s != "" {
		ex.prints = strings.Split(s, "\n")
	}
	if tracer != nil {
		ex.trace = renderTrace(*tracer, e.mode)
	}
	e.explained = append(e.explained, ex)
	return d
}

// renderTrace trims a trace to what explains a decision: the expressions
// that failed (with the rules they were in), trace() notes, or everything.
func renderTrace(trace []*topdown.Event, mode explainMode) string {
	switch mode {
	case "fails":
		trace = lineage.Filter(trace, func(e *topdown.Event) bool {
			return e.Op == topdown.FailOp || e.Op == topdown.NoteOp
		})
	case "notes":
		trace = lineage.Notes(trace)
	default:
		trace = lineage.Full(trace)
	}
	if len(trace) == 0 {
		return "  (nothing to show)\n"
	}
	var buf bytes.Buffer
	topdown.PrettyTraceWithLocation(&buf, trace)
	return "  " + strings.ReplaceAll(strings.TrimRight(buf.String(), "\n"), "\n", "\n  ") + "\n"
}
