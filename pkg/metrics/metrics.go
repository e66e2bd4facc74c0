// Package metrics holds topicgate's Prometheus collectors. They live on one
// registry per process (no package globals), so tests can build their own.
// Every method is safe on a nil *Metrics, which records nothing.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the collectors of one topicgate process.
type Metrics struct {
	reg             *prometheus.Registry
	limits          *limitCollectors // limits.go
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	records         *prometheus.CounterVec
	bytes           *prometheus.CounterVec
	produceDuration *prometheus.HistogramVec
	decisions       *prometheus.CounterVec
	evalDuration    prometheus.Histogram
	policyLoads     *prometheus.CounterVec
	inflight        prometheus.Gauge
	consumers       prometheus.Gauge
	consumersGone   prometheus.Counter
	extAuthzChecks  *prometheus.CounterVec
	shadow          *prometheus.CounterVec
	shadowSkipped   *prometheus.CounterVec
	decisionLog     *prometheus.CounterVec
}

// New registers topicgate's collectors, plus the Go and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_requests_total", Help: "Requests answered, by route (action), Kafka operation and HTTP status.",
	}, []string{"route", "operation", "status"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "topicgate_request_duration_seconds", Help: "Time from request headers to answer, by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route"})
	m.records = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_produced_records_total", Help: "Records produced, by cluster, topic and result (ok, queued, denied by policy, or the error_code).",
	}, []string{"cluster", "topic", "result"})
	m.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_produced_bytes_total", Help: "Key, value and header bytes of records Kafka acknowledged, by cluster and topic.",
	}, []string{"cluster", "topic"})
	m.produceDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "topicgate_produce_duration_seconds", Help: "Time for Kafka to acknowledge all records of a request, by cluster.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"cluster"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_policy_decisions_total", Help: "Policy decisions, by action, phase and result (allow, deny, error).",
	}, []string{"action", "phase", "result"})
	m.evalDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "topicgate_policy_evaluation_duration_seconds", Help: "Time to evaluate the policy once.",
		Buckets: prometheus.ExponentialBuckets(0.00001, 2, 16),
	})
	m.policyLoads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_policy_loads_total", Help: "Policy (re)loads, by policy set (active, shadow) and result (ok, error).",
	}, []string{"policy", "result"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "topicgate_inflight_requests", Help: "Requests being processed.",
	})
	m.consumers = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "topicgate_consumer_instances", Help: "Consumer instances (v2) held by this process.",
	})
	m.consumersGone = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "topicgate_consumer_instances_expired_total", Help: "Consumer instances closed after being idle for consumers.idle_timeout.",
	})
	m.extAuthzChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_ext_authz_checks_total", Help: "ext_authz checks (topicgate guarding a Kafka REST backend), by route (action) and result (allow, or the denial's HTTP status).",
	}, []string{"route", "result"})
	f(m.extAuthzChecks)
	m.shadow = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_policy_shadow_decisions_total",
		Help: "Shadow policy evaluations compared with the active decision, by action, phase and result (same, allow_to_deny, deny_to_allow, changed).",
	}, []string{"action", "phase", "result"})
	m.shadowSkipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_policy_shadow_skipped_total", Help: "Decisions the shadow policy did not evaluate, by reason (queue_full, not_loaded).",
	}, []string{"reason"})
	m.decisionLog = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_decision_log_kafka_records_total",
		Help: "Decision log lines sent to Kafka, by result (written, failed, dropped: the queue was full or closed).",
	}, []string{"result"})
	for _, c := range []prometheus.Collector{m.shadow, m.shadowSkipped, m.decisionLog, m.consumers, m.consumersGone, m.requests, m.requestDuration, m.records, m.bytes, m.produceDuration,
		m.decisions, m.evalDuration, m.policyLoads, m.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	m.limits = newLimitCollectors(reg)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry the collectors are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request records an answered request.
func (m *Metrics) Request(route, operation string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, operation, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(d.Seconds())
}

// Inflight adds delta to the requests in flight.
func (m *Metrics) Inflight(delta float64) {
	if m != nil {
		m.inflight.Add(delta)
	}
}

// Produced records the outcome of one record; bytes count only on success.
func (m *Metrics) Produced(cluster, topic, result string, bytes int) {
	if m == nil {
		return
	}
	m.records.WithLabelValues(cluster, topic, result).Inc()
	if result == "ok" {
		m.bytes.WithLabelValues(cluster, topic).Add(float64(bytes))
	}
}

// ProduceLatency records how long Kafka took to acknowledge a request's records.
func (m *Metrics) ProduceLatency(cluster string, d time.Duration) {
	if m != nil {
		m.produceDuration.WithLabelValues(cluster).Observe(d.Seconds())
	}
}

// Decision records a policy decision and its evaluation time.
func (m *Metrics) Decision(action, phase, result string, d time.Duration) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(action, phase, result).Inc()
	m.evalDuration.Observe(d.Seconds())
}

// PolicyLoad records a policy load attempt of a policy set ("active" or
// "shadow").
func (m *Metrics) PolicyLoad(policy string, ok bool) {
	if m == nil {
		return
	}
	r := "ok"
	if !ok {
		r = "error"
	}
	m.policyLoads.WithLabelValues(policy, r).Inc()
}

// ShadowDecision records the comparison of a shadow evaluation with the
// active decision.
func (m *Metrics) ShadowDecision(action, phase, result string) {
	if m != nil {
		m.shadow.WithLabelValues(action, phase, result).Inc()
	}
}

// ShadowSkipped counts a decision the shadow policy did not evaluate.
func (m *Metrics) ShadowSkipped(reason string) {
	if m != nil {
		m.shadowSkipped.WithLabelValues(reason).Inc()
	}
}

// DecisionLogRecords counts n decision log lines sent to Kafka with a result
// (written, failed, dropped).
func (m *Metrics) DecisionLogRecords(result string, n int) {
	if m != nil && n > 0 {
		m.decisionLog.WithLabelValues(result).Add(float64(n))
	}
}

// ConsumerInstances records how many consumer instances the process holds.
func (m *Metrics) ConsumerInstances(n int) {
	if m != nil {
		m.consumers.Set(float64(n))
	}
}

// ConsumerExpired counts a consumer instance closed for being idle.
func (m *Metrics) ConsumerExpired() {
	if m != nil {
		m.consumersGone.Inc()
	}
}

// ExtAuthzCheck records an ext_authz check: result is "allow", or the HTTP
// status of the denial.
func (m *Metrics) ExtAuthzCheck(route, result string) {
	if m != nil {
		m.extAuthzChecks.WithLabelValues(route, result).Inc()
	}
}
