// Package policy embeds OPA: it loads the Rego policies of a directory,
// prepares the decision query once, evaluates it per request, and swaps in a
// new prepared query atomically when the files change (keeping the last good
// set when they fail to compile). Unusable results deny.
package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/rego"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/metrics"
)

// DefaultQuery is the rule topicgate asks for.
const DefaultQuery = "data.topicgate.authz.decision"

// Options configure an Engine.
type Options struct {
	Dir     string        // policy directory: *.rego (tests excluded) and data files
	Query   string        // default DefaultQuery
	Timeout time.Duration // per evaluation; a timeout denies
	// Log gets load and reload messages; DecisionLog gets one line per
	// decision and must not be sampled.
	Log, DecisionLog *zap.Logger
	Metrics          *metrics.Metrics
}

// Engine evaluates the policy. It is safe for concurrent use.
type Engine struct {
	opts     Options
	cur      atomic.Pointer[loaded]
	failures atomic.Int64
	mu       sync.Mutex // serialises loads
	lastErr  atomic.Pointer[string]
}

type loaded struct {
	pq       rego.PreparedEvalQuery
	files    []string
	digest   string
	loadedAt time.Time
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
	if opts.Query == "" {
		opts.Query = DefaultQuery
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	e := &Engine{opts: opts}
	if _, err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// excludeTests keeps *_test.rego files and hidden files and directories out
// of the served policy, as fingerprint does. Hidden directories matter: a
// Kubernetes ConfigMap volume holds each file three times (..data/, the
// timestamped ..2024_x/ and a symlink), and .git may hold anything.
func excludeTests(_ string, info fs.FileInfo, depth int) bool {
	name := info.Name()
	if strings.HasPrefix(name, ".") {
		return depth > 0 || !info.IsDir()
	}
	return !info.IsDir() && strings.HasSuffix(name, "_test.rego")
}

// Reload loads the directory again if its contents changed. On failure the
// current policies stay in force and the error is returned.
func (e *Engine) Reload(ctx context.Context) (changed bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	files, digest, err := fingerprint(e.opts.Dir)
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no .rego files in %s", e.opts.Dir)
	}
	if cur := e.cur.Load(); err == nil && cur != nil && cur.digest == digest {
		return false, nil
	}
	if err == nil {
		var pq rego.PreparedEvalQuery
		pq, err = rego.New(RegoOptions(e.opts.Dir, e.opts.Query)...).PrepareForEval(ctx)
		if err == nil {
			e.cur.Store(&loaded{pq: pq, files: files, digest: digest, loadedAt: time.Now()})
			e.lastErr.Store(nil)
			e.opts.Metrics.PolicyLoad(true)
			e.opts.Log.Info("policies loaded", zap.String("dir", e.opts.Dir), zap.Strings("files", files), zap.String("digest", digest))
			return true, nil
		}
	}
	e.failures.Add(1)
	msg := err.Error()
	e.lastErr.Store(&msg)
	e.opts.Metrics.PolicyLoad(false)
	e.opts.Log.Error("policy load failed; keeping the last good policies", zap.String("dir", e.opts.Dir), zap.Error(err))
	return false, err
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
// malformed results deny, with Err saying why, and are logged.
func (e *Engine) Decide(ctx context.Context, in *Input) Decision {
	start := time.Now()
	d := e.eval(ctx, in)
	d.ID = uuid.NewString()
	d.Duration = time.Since(start)
	result := "deny"
	switch {
	case d.Err != nil:
		result = "error"
		d.Allow = false
	case d.Allow:
		result = "allow"
	}
	e.opts.Metrics.Decision(in.Action, in.Phase, result, d.Duration)
	fields := []zap.Field{
		zap.String("decision_id", d.ID), zap.String("request_id", in.Request.ID),
		zap.String("phase", in.Phase), zap.String("action", in.Action), zap.String("operation", in.Operation),
		zap.String("resource_type", in.Resource.Type), zap.String("resource_name", in.Resource.Name),
		zap.String("principal_type", in.Principal.Type), zap.String("principal", in.Principal.ID),
		zap.Bool("allow", d.Allow), zap.String("reason", d.Reason), zap.Duration("duration", d.Duration),
	}
	if in.RecordsSummary != nil {
		fields = append(fields, zap.Int("records", in.RecordsSummary.Count), zap.Int("record_bytes", in.RecordsSummary.Bytes))
	}
	if d.Err != nil {
		fields = append(fields, zap.NamedError("policy_error", d.Err))
	}
	e.opts.DecisionLog.Info("decision", fields...)
	return d
}

func (e *Engine) eval(ctx context.Context, in *Input) Decision {
	cur := e.cur.Load()
	if cur == nil {
		return Decision{Err: errors.New("no policy loaded")}
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	return Evaluate(ctx, cur.pq, e.opts.Query, in)
}
