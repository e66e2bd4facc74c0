// Package server wires topicgate together: the policy engine, identities,
// Kafka clients and gateway, the gRPC listeners (ext_proc, ext_authz, gRPC health),
// and the admin HTTP listener. Run blocks until its context ends, then drains.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	"github.com/topicgate/topicgate/pkg/config"
	"github.com/topicgate/topicgate/pkg/consumer"
	"github.com/topicgate/topicgate/pkg/decisionlog"
	"github.com/topicgate/topicgate/pkg/extauthz"
	"github.com/topicgate/topicgate/pkg/extproc"
	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/quota"
	"github.com/topicgate/topicgate/pkg/schema"
)

// Loggers are the loggers the server writes to. Decisions must not be sampled.
type Loggers struct {
	Log, Decisions *zap.Logger
}

// Run starts topicgate and serves until ctx ends, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish, and flushes the
// producers. ready, if not nil, is called once the listeners are up.
func Run(ctx context.Context, cfg *config.Config, logs Loggers, ready func(Addrs)) error {
	log := logs.Log
	m := metrics.New()

	// One shutdown budget for the drain, then the producers' flush and the
	// consumer instances' close together; closeBy is set when shutdown starts.
	var clients []*kafka.Client
	var mgr *consumer.Manager
	var sink *decisionlog.Sink
	var closeBy time.Time
	defer func() {
		budget := cfg.ShutdownTimeout.D()
		if !closeBy.IsZero() {
			budget = max(time.Until(closeBy), 0)
		}
		if sink != nil {
			// Before the producers close: the last decision lines go to
			// Kafka within the budget, and the flush has what is left.
			sctx, cancel := context.WithTimeout(context.Background(), budget)
			sink.Close(sctx)
			cancel()
			if !closeBy.IsZero() {
				budget = max(time.Until(closeBy), 0)
			}
		}
		// In parallel: each instance is its own librdkafka consumer, so the
		// instances leaving their groups need not wait for the flush, nor
		// the flush for them; both end within the budget.
		var wg sync.WaitGroup
		if mgr != nil {
			wg.Add(1)
			go func() { defer wg.Done(); mgr.Close(budget) }()
		}
		for _, c := range clients {
			wg.Add(1)
			go func() { defer wg.Done(); c.Close(budget) }()
		}
		wg.Wait()
	}()
	var clusters []gateway.Cluster
	var runConsumers func(context.Context)
	for _, cl := range cfg.Kafka.Clusters {
		props := map[string]string{}
		if cl.BootstrapServers != "" {
			props["bootstrap.servers"] = cl.BootstrapServers
		}
		for k, v := range cl.Properties {
			props[k] = v
		}
		c, err := kafka.New(kafka.Options{
			Name: cl.Name, Properties: props,
			ProduceTimeout: cfg.Kafka.ProduceTimeout.D(), RequestTimeout: cfg.Kafka.RequestTimeout.D(),
			MetadataTTL: cfg.Kafka.MetadataTTL.D(), Logger: log.Named("kafka"),
		})
		if err != nil {
			return err
		}
		clients = append(clients, c)
		clusters = append(clusters, c)
	}

	decisions := logs.Decisions
	if k := cfg.DecisionLog.Kafka; k.Topic != "" {
		sink = newDecisionSink(cfg, clients, log, m)
		decisions = decisions.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
			return zapcore.NewTee(c, sink.Core())
		}))
	}
	var shadow *policy.Shadow
	if sc := cfg.Policy.Shadow; sc.Dir != "" {
		shadow = policy.NewShadow(ctx, policy.ShadowOptions{
			Dir: sc.Dir, Query: cfg.Policy.Query, Timeout: cfg.Policy.Timeout.D(), Topics: sc.Topics,
			QueueSize: sc.QueueSize, Workers: sc.Workers, Log: log.Named("policy"),
			// Its JSON Schemas are not policy data, as for the active policy.
			Skip: []string{filepath.Join(sc.Dir, cfg.Policy.SchemaDir)},
			// Differences go to the decision log's output, unsampled, but
			// not to its Kafka topic: they are not decisions.
			DiffLog: zap.New(logs.Decisions.Core()).Named("shadow"), Metrics: m,
		})
	}
	engine, err := policy.New(ctx, policy.Options{
		Dir: cfg.Policy.Dir, Query: cfg.Policy.Query, Timeout: cfg.Policy.Timeout.D(),
		Log: log.Named("policy"), DecisionLog: decisions, Metrics: m,
		LogInput: cfg.DecisionLog.Input, Shadow: shadow,
		Skip: []string{cfg.Policy.Schemas()}, // JSON Schemas, not policy data
	})
	if err != nil {
		return fmt.Errorf("loading policies: %w", err)
	}
	schemas, err := schema.New(schema.Options{Dir: cfg.Policy.Schemas(), Log: log.Named("schema"), Metrics: m})
	if err != nil {
		return fmt.Errorf("loading schemas: %w", err)
	}
	quotas := quota.New(quota.Options{MaxBuckets: cfg.Limits.QuotaBuckets})
	m.WatchQuotaBuckets(quotas.Len, quotas.Evicted)
	keys, err := identity.LoadAPIKeys(cfg.Identity.APIKeysFile)
	if err != nil {
		return err
	}

	// Consumer instances (v2) read from the first cluster, as the v2 API
	// names none. The deferred shutdown above closes them.
	var consumers gateway.ConsumerInstances
	if len(clients) > 0 {
		mgr = newConsumers(cfg, clients[0], log, m)
		consumers = mgr
		runConsumers = mgr.Run
	}

	gw := gateway.New(gateway.Options{
		Clusters: clusters, Auth: identity.NewAuthenticator(keys, jwtSettings(cfg.Identity.JWT)), Policy: engine, Log: log.Named("gateway"), Metrics: m,
		MaxBodyBytes: cfg.Limits.MaxBodyBytes, MaxRecords: cfg.Limits.MaxRecords,
		ProduceTimeout: cfg.Kafka.ProduceTimeout.D(),
		PhaseTimeout:   cfg.Limits.AnswerTimeout.D(),
		Consumers:      consumers,
		Schemas:        schemas,
		Quotas:         quotas,
		Reads: gateway.ReadLimits{
			MaxWait: cfg.Reads.MaxWait.D(), MaxBytes: cfg.Reads.MaxBytes, MaxRecords: cfg.Reads.MaxRecords,
		},
	})

	st := newState(engine, clusters)
	st.shadow, st.sink, st.schemas = shadow, sink, schemas
	grpcSrv := grpc.NewServer(
		// Envoy sends a buffered body in one message: allow the body limit plus framing.
		grpc.MaxRecvMsgSize(cfg.Limits.MaxBodyBytes+(1<<20)),
		// Envoy keeps its connection open and may ping it.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	// A guard serves no Kafka: Envoy's ext_proc has nothing to call there,
	// and gets UNIMPLEMENTED (a failure, so Envoy refuses the request).
	if cfg.Mode != config.ModeGuard {
		extprocv3.RegisterExternalProcessorServer(grpcSrv, extproc.NewServer(gw, log.Named("extproc"), m, cfg.Limits.MaxBodyBytes, uuid.NewString))
	}
	authv3.RegisterAuthorizationServer(grpcSrv, extauthz.NewServer(gw, m, uuid.NewString))
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(grpcSrv, hs)

	var addrs Addrs
	var listeners []net.Listener
	closeAll := func() {
		for _, l := range listeners {
			l.Close()
		}
	}
	if cfg.Listen.GRPC != "" {
		l, err := net.Listen("tcp", cfg.Listen.GRPC)
		if err != nil {
			return fmt.Errorf("listen.grpc: %w", err)
		}
		listeners, addrs.GRPC = append(listeners, l), l.Addr().String()
	}
	if cfg.Listen.Unix != "" {
		_ = os.Remove(cfg.Listen.Unix) // a stale socket from a crash
		l, err := net.Listen("unix", cfg.Listen.Unix)
		if err != nil {
			closeAll()
			return fmt.Errorf("listen.unix: %w", err)
		}
		listeners, addrs.Unix = append(listeners, l), cfg.Listen.Unix
	}
	var adminSrv *http.Server
	if cfg.Listen.Admin != "" {
		l, err := net.Listen("tcp", cfg.Listen.Admin)
		if err != nil {
			closeAll()
			return fmt.Errorf("listen.admin: %w", err)
		}
		addrs.Admin = l.Addr().String()
		adminSrv = &http.Server{Handler: adminHandler(st, m, cfg.Listen.Profiling), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := adminSrv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("admin listener failed", zap.Error(err))
			}
		}()
	}
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		go func(l net.Listener) { errc <- grpcSrv.Serve(l) }(l)
	}

	bg, stopBg := context.WithCancel(context.Background())
	defer stopBg()
	go st.watchKafka(bg, log, hs, cfg.Kafka.RequestTimeout.D())
	if runConsumers != nil {
		go runConsumers(bg) // the janitor: closes idle instances
	}
	if shadow != nil {
		go shadow.Run(bg)
	}
	if sink != nil {
		go checkDecisionTopic(bg, cfg, clients, log)
	}
	if iv := cfg.Policy.ReloadInterval.D(); iv > 0 {
		go engine.Watch(bg, iv)
		go schemas.Watch(bg, iv)
		go reloadKeys(bg, keys, iv, log)
		if shadow != nil {
			go shadow.Watch(bg, iv)
		}
	}
	log.Info("topicgate started", zap.String("mode", cfg.Mode), zap.String("grpc", addrs.GRPC), zap.String("unix", addrs.Unix),
		zap.String("admin", addrs.Admin), zap.Int("clusters", len(clusters)))
	if ready != nil {
		ready(addrs)
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		log.Error("gRPC listener failed", zap.Error(err))
		stopBg()
		grpcSrv.Stop()
		return err
	}

	closeBy = time.Now().Add(cfg.ShutdownTimeout.D())
	log.Info("shutting down: draining in-flight requests", zap.Duration("timeout", cfg.ShutdownTimeout.D()))
	st.draining.Store(true)
	hs.Shutdown()
	stopBg()
	drained := make(chan struct{})
	go func() { grpcSrv.GracefulStop(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(time.Until(closeBy)):
		log.Warn("shutdown timeout: cancelling remaining requests")
		grpcSrv.Stop()
	}
	if adminSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = adminSrv.Shutdown(sctx)
		cancel()
	}
	if cfg.Listen.Unix != "" {
		_ = os.Remove(cfg.Listen.Unix)
	}
	log.Info("topicgate stopped")
	return nil // the deferred Close flushes the producers
}

// Addrs are the addresses topicgate listens on.
type Addrs struct {
	GRPC, Unix, Admin string
}

// jwtSettings are the identity package's JWT settings from the configuration.
func jwtSettings(j config.JWT) identity.JWT {
	return identity.JWT{
		Enabled: j.Enabled, PayloadKey: j.PayloadKey, IDClaim: j.IDClaim,
		GroupsClaim: j.GroupsClaim, MaxClaimsBytes: j.MaxClaimsBytes,
	}
}

func reloadKeys(ctx context.Context, keys *identity.APIKeys, every time.Duration, log *zap.Logger) {
	if keys.Path() == "" {
		return
	}
	mtime := func() time.Time {
		st, err := os.Stat(keys.Path())
		if err != nil {
			return time.Time{}
		}
		return st.ModTime()
	}
	// Reload on any change of modification time, backwards too (cp -p, a
	// ConfigMap swap), starting from the file as it was at startup.
	last := mtime()
	if err := keys.Reload(); err != nil {
		log.Error("API keys reload failed; keeping the last good keys", zap.Error(err))
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m := mtime()
			if m.IsZero() || m.Equal(last) {
				continue
			}
			last = m
			if err := keys.Reload(); err != nil {
				log.Error("API keys reload failed; keeping the last good keys", zap.Error(err))
			} else {
				log.Info("API keys reloaded", zap.Int("keys", keys.Count()))
			}
		}
	}
}
