package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/topicgate/topicgate/pkg/decisionlog"
	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/schema"
)

// state is what readiness is made of: policies loaded, every cluster
// answering, and not draining.
type state struct {
	engine   *policy.Engine
	shadow   *policy.Shadow    // nil without a shadow policy
	sink     *decisionlog.Sink // nil without a decision log topic
	schemas  *schema.Store     // nil: not shown
	clusters []gateway.Cluster
	draining atomic.Bool

	mu    sync.Mutex
	kafka map[string]clusterStatus
}

type clusterStatus struct {
	Reachable bool      `json:"reachable"`
	ClusterID string    `json:"cluster_id,omitempty"`
	Error     string    `json:"error,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

func newState(e *policy.Engine, cs []gateway.Cluster) *state {
	return &state{engine: e, clusters: cs, kafka: map[string]clusterStatus{}}
}

// watchKafka checks every cluster at once, then every few seconds, and keeps
// the gRPC health status in step with readiness.
func (s *state) watchKafka(ctx context.Context, log *zap.Logger, hs *health.Server, timeout time.Duration) {
	wasReady := false
	for {
		for _, c := range s.clusters {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			info, err := c.Describe(cctx)
			cancel()
			cs := clusterStatus{Reachable: err == nil, ClusterID: info.ID, CheckedAt: time.Now()}
			if err != nil {
				cs.Error = err.Error()
			}
			s.mu.Lock()
			prev := s.kafka[c.Name()]
			s.kafka[c.Name()] = cs
			s.mu.Unlock()
			if prev.Reachable != cs.Reachable || prev.CheckedAt.IsZero() {
				if err != nil {
					log.Warn("Kafka cluster not reachable", zap.String("cluster", c.Name()), zap.Error(err))
				} else {
					log.Info("Kafka cluster reachable", zap.String("cluster", c.Name()), zap.String("cluster_id", info.ID))
				}
			}
		}
		ready, _ := s.readiness()
		if ready != wasReady && !s.draining.Load() {
			st := healthpb.HealthCheckResponse_NOT_SERVING
			if ready {
				st = healthpb.HealthCheckResponse_SERVING
			}
			hs.SetServingStatus("", st)
			wasReady = ready
		}
		interval := 5 * time.Second
		if !ready {
			interval = 500 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// readiness is the /readyz body. The shadow policy and the decision log
// topic are reported but never make topicgate unready: neither changes an
// answer.
type readiness struct {
	Ready       bool                     `json:"ready"`
	Draining    bool                     `json:"draining"`
	Policy      policy.Status            `json:"policy"`
	Shadow      *policy.ShadowStatus     `json:"shadow_policy,omitempty"`
	Schemas     *schema.Status           `json:"schemas,omitempty"`
	DecisionLog *decisionlog.Status      `json:"decision_log_kafka,omitempty"`
	Kafka       map[string]clusterStatus `json:"kafka"`
}

func (s *state) readiness() (bool, readiness) {
	r := readiness{Draining: s.draining.Load(), Policy: s.engine.Status(), Kafka: map[string]clusterStatus{}}
	if s.shadow != nil {
		st := s.shadow.Status()
		r.Shadow = &st
	}
	if s.sink != nil {
		st := s.sink.Status()
		r.DecisionLog = &st
	}
	if s.schemas != nil {
		st := s.schemas.Status()
		r.Schemas = &st
	}
	ok := r.Policy.Loaded && !r.Draining
	s.mu.Lock()
	for _, c := range s.clusters {
		cs := s.kafka[c.Name()]
		r.Kafka[c.Name()] = cs
		ok = ok && cs.Reachable
	}
	s.mu.Unlock()
	r.Ready = ok
	return ok, r
}

func adminHandler(s *state, m *metrics.Metrics, profiling bool) http.Handler {
	mux := http.NewServeMux()
	if profiling {
		// Go's profiles (CPU, heap, allocations, goroutines), for measuring
		// topicgate under load: go tool pprof http://ADMIN/debug/pprof/profile
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		ok, r := s.readiness()
		w.Header().Set("content-type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}
