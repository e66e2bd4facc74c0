package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// limitCollectors count what the policy's limits, quotas and schemas
// refused, and the schema loads. No label holds a principal's id, so the
// series stay bounded (topics are those of the clusters).
type limitCollectors struct {
	throttled   *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	schemaLoads *prometheus.CounterVec
	reg         *prometheus.Registry
}

func newLimitCollectors(reg *prometheus.Registry) *limitCollectors {
	l := &limitCollectors{reg: reg}
	l.throttled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_quota_throttled_requests_total",
		Help: "Requests refused with 429 because the caller's quota (records_per_second, bytes_per_second) was used up, by cluster, topic, principal type and operation (WRITE, READ).",
	}, []string{"cluster", "topic", "principal_type", "operation"})
	l.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_limit_refusals_total",
		Help: "Produce requests refused by a limit or schema the policy set, by cluster, topic and limit (max_records, max_record_bytes, max_request_bytes, value_schema, unknown_schema).",
	}, []string{"cluster", "topic", "limit"})
	l.schemaLoads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "topicgate_schema_loads_total", Help: "JSON Schema (re)loads, by result (ok, error).",
	}, []string{"result"})
	reg.MustRegister(l.throttled, l.refusals, l.schemaLoads)
	return l
}

// Throttled records a request refused for its quota.
func (m *Metrics) Throttled(cluster, topic, principalType, operation string) {
	if m != nil {
		m.limits.throttled.WithLabelValues(cluster, topic, principalType, operation).Inc()
	}
}

// LimitRefused records a produce refused by one of the policy's limits.
func (m *Metrics) LimitRefused(cluster, topic, limit string) {
	if m != nil {
		m.limits.refusals.WithLabelValues(cluster, topic, limit).Inc()
	}
}

// SchemaLoad records a schema load attempt.
func (m *Metrics) SchemaLoad(ok bool) {
	if m == nil {
		return
	}
	r := "ok"
	if !ok {
		r = "error"
	}
	m.limits.schemaLoads.WithLabelValues(r).Inc()
}

// WatchQuotaBuckets exports the number of quota buckets held and those
// evicted before they had refilled, read from the limiter when scraped.
func (m *Metrics) WatchQuotaBuckets(held func() int, evicted func() int64) {
	if m == nil {
		return
	}
	m.limits.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "topicgate_quota_buckets", Help: "Quota buckets held (one per principal, cluster, topic and operation with a quota in use); capped by limits.quota_buckets.",
		}, func() float64 { return float64(held()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "topicgate_quota_buckets_evicted_total", Help: "Quota buckets dropped to stay within limits.quota_buckets before they had refilled (their holders started over with a full bucket).",
		}, func() float64 { return float64(evicted()) }),
	)
}
