package policy

import (
	"context"
	"path"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/ast"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/topicgate/topicgate/pkg/metrics"
)

// ShadowOptions configure a Shadow.
type ShadowOptions struct {
	Dir     string        // the candidate policy directory
	Query   string        // default DefaultQuery
	Timeout time.Duration // per evaluation
	// Topics limits the shadow to decisions on these topics (path.Match
	// patterns such as "orders" or "sandbox.*"); empty means every decision.
	Topics []string
	// QueueSize bounds the decisions waiting for the shadow; when it is full
	// a decision is not shadowed (counted as skipped), never delayed.
	QueueSize int
	// Workers evaluate the shadow policy, each one decision at a time.
	Workers int
	// Skip are directories under Dir that hold no policy (its JSON Schemas).
	Skip []string
	// Log gets load messages; DiffLog one line per decision the shadow
	// would have answered differently, and must not be sampled.
	Log, DiffLog *zap.Logger
	Metrics      *metrics.Metrics
}

// Shadow evaluates a candidate policy beside the active one, for rolling
// out a policy change: every decision (or every decision on Topics) is
// evaluated again by the candidate, after the active decision was taken and
// off the request's path, and the outcomes are compared. A difference is
// logged and counted; the answer is always the active decision's. A
// candidate that fails to load, errs or is slow affects no request.
type Shadow struct {
	opts   ShadowOptions
	engine *Engine
	queue  chan shadowJob

	compared, differed, skipped atomic.Int64
	queuedBytes                 atomic.Int64 // record bytes of the queued inputs
}

// MaxShadowQueuedBytes bounds the record bytes of the inputs waiting for the
// shadow, whatever the queue's length: a queued produce holds its records'
// input. Past it, decisions are skipped as when the queue is full.
const MaxShadowQueuedBytes = 64 << 20

// shadowJob is one decision to evaluate again. The input is the value the
// active policy evaluated, which nothing changes afterwards.
type shadowJob struct {
	input  ast.Value
	in     *Input // to check the candidate's decision against, as the active one's
	bytes  int64  // its records' bytes
	active Decision
	meta   shadowMeta
}

// shadowMeta is what a difference line says about the request.
type shadowMeta struct {
	requestID, phase, action, operation string
	resourceType, resourceName          string
	principalType, principal            string
}

// ShadowStatus describes the shadow policy for /readyz.
type ShadowStatus struct {
	Status
	Topics []string `json:"topics,omitempty"`
	// Compared counts decisions evaluated by the shadow, Differed those it
	// would have answered differently, Skipped those it did not evaluate.
	Compared int64 `json:"compared"`
	Differed int64 `json:"differed"`
	Skipped  int64 `json:"skipped"`
}

// NewShadow loads the candidate policies. Unlike New it does not fail when
// they do not load: the failure is logged and shown in Status, and Watch
// keeps trying.
func NewShadow(ctx context.Context, opts ShadowOptions) *Shadow {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.DiffLog == nil {
		opts.DiffLog = zap.NewNop()
	}
	s := &Shadow{
		opts: opts,
		engine: newUnloaded(Options{
			Name: "shadow", Dir: opts.Dir, Query: opts.Query, Timeout: opts.Timeout,
			Log: opts.Log, Metrics: opts.Metrics, Skip: opts.Skip,
		}),
		queue: make(chan shadowJob, opts.QueueSize),
	}
	_, _ = s.engine.Reload(ctx)
	return s
}

// Run evaluates queued decisions until ctx ends.
func (s *Shadow) Run(ctx context.Context) {
	done := make(chan struct{})
	for range s.opts.Workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-s.queue:
					s.compare(j)
				}
			}
		}()
	}
	for range s.opts.Workers {
		<-done
	}
}

// Watch reloads the candidate policies when their files change.
func (s *Shadow) Watch(ctx context.Context, interval time.Duration) {
	s.engine.Watch(ctx, interval)
}

// Status reports what is loaded and how the comparisons went.
func (s *Shadow) Status() ShadowStatus {
	return ShadowStatus{
		Status: s.engine.Status(), Topics: s.opts.Topics,
		Compared: s.compared.Load(), Differed: s.differed.Load(), Skipped: s.skipped.Load(),
	}
}

// offer queues a decision for the shadow without waiting. It is safe on a
// nil *Shadow, which shadows nothing.
// readsRecords reports whether the shadow policy needs a produce's records
// phase: when it is loaded and may read its fields (phases.go). A nil or
// unloaded shadow does not.
func (s *Shadow) readsRecords() bool {
	if s == nil {
		return false
	}
	cur := s.engine.cur.Load()
	return cur != nil && cur.readsRecords
}

func (s *Shadow) offer(in *Input, input ast.Value, d Decision) {
	if s == nil || !s.wants(in) {
		return
	}
	if s.engine.cur.Load() == nil {
		s.skip("not_loaded")
		return
	}
	var size int64
	if in.RecordsSummary != nil {
		size = int64(in.RecordsSummary.Bytes)
	}
	if s.queuedBytes.Load()+size > MaxShadowQueuedBytes {
		s.skip("queue_full")
		return
	}
	j := shadowJob{input: input, in: in, bytes: size, active: d, meta: shadowMeta{
		requestID: in.Request.ID, phase: in.Phase, action: in.Action, operation: in.Operation,
		resourceType: in.Resource.Type, resourceName: in.Resource.Name,
		principalType: in.Principal.Type, principal: in.Principal.ID,
	}}
	s.queuedBytes.Add(size)
	select {
	case s.queue <- j:
	default:
		s.queuedBytes.Add(-size)
		s.skip("queue_full")
	}
}

func (s *Shadow) skip(reason string) {
	s.skipped.Add(1)
	s.opts.Metrics.ShadowSkipped(reason)
}

// wants reports whether the decision's topic is one the shadow covers.
func (s *Shadow) wants(in *Input) bool {
	if len(s.opts.Topics) == 0 {
		return true
	}
	topic := in.Topic
	if topic == "" && in.Resource.Type == "TOPIC" {
		topic = in.Resource.Name
	}
	if topic == "" {
		return false
	}
	for _, p := range s.opts.Topics {
		if ok, _ := path.Match(p, topic); ok {
			return true
		}
	}
	return false
}

// compare evaluates one decision with the candidate and reports a
// difference. The evaluation has its own deadline (the policy timeout): the
// request it shadows may be over.
func (s *Shadow) compare(j shadowJob) {
	s.queuedBytes.Add(-j.bytes)
	cur := s.engine.cur.Load()
	start := time.Now()
	sd := s.engine.eval(context.Background(), cur, j.input, j.in)
	sd.ID = uuid.NewString()
	sd.Duration = time.Since(start)
	if sd.Err != nil {
		sd.Allow = false
	}
	result, diffs := compareDecisions(j.active, sd)
	s.compared.Add(1)
	s.opts.Metrics.ShadowDecision(j.meta.action, j.meta.phase, result)
	if result == ShadowSame {
		return
	}
	s.differed.Add(1)
	m := j.meta
	digest := ""
	if cur != nil {
		digest = cur.digest
	}
	s.opts.DiffLog.Info("shadow decision differs",
		zap.String("decision_id", j.active.ID), zap.String("shadow_decision_id", sd.ID),
		zap.String("request_id", m.requestID), zap.String("phase", m.phase), zap.String("action", m.action),
		zap.String("operation", m.operation), zap.String("resource_type", m.resourceType),
		zap.String("resource_name", m.resourceName), zap.String("principal_type", m.principalType),
		zap.String("principal", m.principal), zap.String("result", result), zap.Strings("differences", diffs),
		zap.Object("active", outcomeLog{d: &j.active}),
		zap.Object("shadow", outcomeLog{d: &sd, digest: digest}),
	)
}

// outcomeLog writes one side of a shadow comparison.
type outcomeLog struct {
	d      *Decision
	digest string
}

func (o outcomeLog) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddBool("allow", o.d.Allow)
	enc.AddString("reason", o.d.Reason)
	for _, f := range outcomeFields(o.d) {
		f.AddTo(enc)
	}
	if o.d.Err != nil {
		enc.AddString("policy_error", o.d.Err.Error())
	}
	if o.digest != "" {
		enc.AddString("policy_digest", o.digest)
		enc.AddDuration("duration", o.d.Duration)
	}
	return nil
}
