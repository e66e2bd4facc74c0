// Package policy embeds OPA: it loads the Rego policies of a directory,
// prepares the decision query once, evaluates it per request, and swaps in a
// new prepared query atomically when the files change (keeping the last good
// set when they fail to compile). Unusable results deny.
package policy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/metrics"
)

// DefaultQuery is the rule topicgate asks for.
const DefaultQuery = "data.topicgate.authz.decision"

// Options configure an Engine.
type Options struct {
	// Name is the policy set's name in logs and metrics: "active" (the
	// default) or "shadow".
	Name    string
	Dir     string        // policy directory: *.rego (tests excluded) and data files
	Query   string        // default DefaultQuery
	Timeout time.Duration // per evaluation; a timeout denies
	// Log gets load and reload messages; DecisionLog gets one line per
	// decision and must not be sampled.
	Log, DecisionLog *zap.Logger
	Metrics          *metrics.Metrics
	// LogInput says how much of the input each decision line carries:
	// LogInputNone, LogInputMasked (the default) or LogInputFull.
	LogInput string
	// Shadow, when set, evaluates a candidate policy beside each decision,
	// off the request's path (see Shadow).
	Shadow *Shadow
	// Skip are directories under Dir that hold no policy or data (the JSON
	// Schemas): they are neither loaded nor watched.
	Skip []string
}

// Engine evaluates the policy. It is safe for concurrent use.
type Engine struct {
	opts     Options
	cur      atomic.Pointer[loaded]
	failures atomic.Int64
	lastErr  atomic.Pointer[string]
	mu       sync.Mutex // serialises loads
	// failed identifies the last set that failed to load (its digest, or
	// its error when it had none), so that a broken set is compiled,
	// counted and logged once, not at every poll. Guarded by mu.
	failed string
	skip   skipDirs
}

type loaded struct {
	pq rego.PreparedEvalQuery
	// readsRecords: the policy may read an input field of the records
	// phase (phases.go).
	readsRecords bool
	files        []string
	digest       string
	loadedAt     time.Time
}

// Status describes what is loaded, for /readyz and logs.
type Status struct {
	Loaded    bool      `json:"loaded"`
	Dir       string    `json:"dir"`
	Files     []string  `json:"files"`
	Digest    string    `json:"digest"`
	LoadedAt  time.Time `json:"loaded_at"`
	Failures  int64     `json:"failed_loads"`
	LastError string    `json:"last_error,omitempty"`
}

// New loads and prepares the policies. It fails if they do not compile.
func New(ctx context.Context, opts Options) (*Engine, error) {
	e := newUnloaded(opts)
	if _, err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func newUnloaded(opts Options) *Engine {
	if opts.Name == "" {
		opts.Name = "active"
	}
	if opts.Query == "" {
		opts.Query = DefaultQuery
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.LogInput == "" {
		opts.LogInput = LogInputMasked
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.DecisionLog == nil {
		opts.DecisionLog = zap.NewNop()
	}
	return &Engine{opts: opts, skip: newSkipDirs(opts.Skip)}
}

// Reload loads the directory again if its contents changed. On failure the
// current policies stay in force and the error is returned. A set that
// failed is not tried again until the files change.
func (e *Engine) Reload(ctx context.Context) (changed bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	files, digest, err := fingerprint(e.opts.Dir, e.skip)
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no .rego files in %s", e.opts.Dir)
	}
	cur := e.cur.Load()
	if err == nil && cur != nil && cur.digest == digest {
		if e.failed != "" {
			// The files are back to the set in force.
			e.failed = ""
			e.lastErr.Store(nil)
			e.opts.Log.Info("policy files are back to the loaded set", zap.String("policy", e.opts.Name),
				zap.String("dir", e.opts.Dir), zap.String("digest", digest))
		}
		return false, nil
	}
	if err == nil {
		if digest == e.failed {
			return false, e.lastError()
		}
		var pq rego.PreparedEvalQuery
		var compiler *ast.Compiler
		opts := append(RegoOptions(e.opts.Dir, e.opts.Query, e.opts.Skip...), rego.CompilerHook(func(c *ast.Compiler) { compiler = c }))
		pq, err = rego.New(opts...).PrepareForEval(ctx)
		if err == nil {
			e.cur.Store(&loaded{pq: pq, files: files, digest: digest, loadedAt: time.Now(),
				readsRecords: compiler == nil || readsRecordsPhase(compiler.Modules)})
			e.failed = ""
			e.lastErr.Store(nil)
			e.opts.Metrics.PolicyLoad(e.opts.Name, true)
			e.opts.Log.Info("policies loaded", zap.String("policy", e.opts.Name), zap.String("dir", e.opts.Dir),
				zap.Strings("files", files), zap.String("digest", digest))
			return true, nil
		}
	}
	msg := err.Error()
	key := digest
	if key == "" {
		key = "error: " + msg // unreadable files or no .rego: the same error is the same failure
	}
	if key == e.failed {
		return false, err
	}
	e.failed = key
	e.failures.Add(1)
	e.lastErr.Store(&msg)
	e.opts.Metrics.PolicyLoad(e.opts.Name, false)
	keeping := "keeping the last good policies"
	if cur == nil {
		keeping = "no policy is loaded"
	}
	e.opts.Log.Error("policy load failed; "+keeping, zap.String("policy", e.opts.Name), zap.String("dir", e.opts.Dir),
		zap.String("digest", digest), zap.Error(err))
	return false, err
}

func (e *Engine) lastError() error {
	if m := e.lastErr.Load(); m != nil {
		return errors.New(*m)
	}
	return nil
}

// Watch reloads whenever the directory's contents change, checking every
// interval, until ctx ends. Polling (rather than inotify) also sees the
// symlink swaps of Kubernetes ConfigMap volumes.
func (e *Engine) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = e.Reload(ctx)
		}
	}
}

// Status reports what is loaded.
func (e *Engine) Status() Status {
	s := Status{Dir: e.opts.Dir, Failures: e.failures.Load()}
	if cur := e.cur.Load(); cur != nil {
		s.Loaded, s.Files, s.Digest, s.LoadedAt = true, cur.files, cur.digest, cur.loadedAt
	}
	if m := e.lastErr.Load(); m != nil {
		s.LastError = *m
	}
	return s
}

// Decide evaluates the policy for in. It never fails: errors, undefined and
// malformed results deny, with Err saying why, and are logged. A shadow
// policy, if any, gets the same input afterwards, off the request's path.
func (e *Engine) Decide(ctx context.Context, in *Input) Decision {
	start := time.Now()
	cur := e.cur.Load()
	input, err := astInput(in)
	var d Decision
	if err != nil {
		d = Decision{Err: err}
	} else {
		d = e.eval(ctx, cur, input, in)
	}
	d.ID = uuid.NewString()
	d.Duration = time.Since(start)
	d.RecordsBlind = in.Phase == PhaseRequest && cur != nil && !cur.readsRecords && !e.opts.Shadow.readsRecords()
	result := "deny"
	switch {
	case d.Err != nil:
		result = "error"
		d.Allow = false
	case d.Allow:
		result = "allow"
	}
	e.opts.Metrics.Decision(in.Action, in.Phase, result, d.Duration)
	digest := ""
	if cur != nil {
		digest = cur.digest
	}
	if ce := e.opts.DecisionLog.Check(zap.InfoLevel, "decision"); ce != nil {
		ce.Write(decisionLine(in, &d, digest, e.opts.LogInput)...)
	}
	if err == nil {
		e.opts.Shadow.offer(in, input, d)
	}
	return d
}

// eval evaluates the prepared query of cur for input.
// in, when not nil, is the input as Go values, which the decision is
// checked against (decision_check.go).
func (e *Engine) eval(ctx context.Context, cur *loaded, input ast.Value, in *Input) Decision {
	if cur == nil {
		return Decision{Err: errors.New("no policy loaded")}
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	return evaluateParsed(ctx, cur.pq, e.opts.Query, input, in)
}
