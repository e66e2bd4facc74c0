package gateway

import (
	"net/http"
	"strconv"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// Limits, schemas and quotas set by the policy (decision fields limits and
// value_schema). Both decisions of a produce may set them: each limit is the
// smaller of the two, and the records phase names the schema unless it names
// none. The hooks, in the order a produce meets them:
//
//	decide         noteDecision keeps what each decision said
//	expectRecords  refuseDeclaredBody (Content-Length), refuseBody (the body)
//	send, sendAsync admitRecords: max_* limits, then the schema, then the quota
//	send, sendAsync refundUnwritten: what Kafka did not take is not charged
//	respond        quotaHeaders: the rate-limit headers
//	readRecords    admitRead, chargeRead (quotas of stateless reads)

// limitState is what the decisions of one call said about limits.
type limitState struct {
	request, records decided
	// values are the records-phase input's records: the JSON values the
	// policy input decoded, validated without decoding them again.
	values    []policy.Record
	bodyBytes int
	quota     *quotaUse // the quota charged, for the rate-limit headers
}

// decided is one phase's say.
type decided struct {
	limits *policy.Limits
	schema string
}

// noteDecision keeps the limits and schema of an allowing decision.
func (c *call) noteDecision(in *policy.Input, d *policy.Decision) {
	if !d.Allow {
		return
	}
	say := decided{limits: d.Limits, schema: d.ValueSchema}
	switch in.Phase {
	case policy.PhaseRequest:
		c.lim.request = say
	case policy.PhaseRecords:
		c.lim.records, c.lim.values = say, in.Records
	}
}

// limits are the call's limits: for each, the smallest either phase set (0:
// none).
func (c *call) limits() policy.Limits {
	var out policy.Limits
	for _, l := range []*policy.Limits{c.lim.request.limits, c.lim.records.limits} {
		if l == nil {
			continue
		}
		out.MaxRecords = smallest(out.MaxRecords, l.MaxRecords)
		out.MaxRecordBytes = smallest(out.MaxRecordBytes, l.MaxRecordBytes)
		out.MaxRequestBytes = smallest(out.MaxRequestBytes, l.MaxRequestBytes)
		out.RecordsPerSec = smallest(out.RecordsPerSec, l.RecordsPerSec)
		out.BytesPerSec = smallest(out.BytesPerSec, l.BytesPerSec)
	}
	return out
}

// smallest of two limits where 0 means none.
func smallest[T int | float64](a, b T) T {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// refuseDeclaredBody refuses, before the body is read, a produce whose
// Content-Length is above the request phase's max_request_bytes.
func (c *call) refuseDeclaredBody(topic string) *Response {
	limit := c.limits().MaxRequestBytes
	if limit == 0 {
		return nil
	}
	if n, err := strconv.Atoi(c.req.Headers["content-length"]); err == nil && n > limit {
		return c.refuseLimit(topic, "max_request_bytes", requestTooLarge(n, limit, topic))
	}
	return nil
}

// refuseBody notes the body's size and refuses it when it is above the
// request phase's max_request_bytes (a body sent without Content-Length).
func (c *call) refuseBody(topic string, n int) *Response {
	c.lim.bodyBytes = n
	if limit := c.limits().MaxRequestBytes; limit > 0 && n > limit {
		return c.refuseLimit(topic, "max_request_bytes", requestTooLarge(n, limit, topic))
	}
	return nil
}

// admitRecords applies the limits of both decisions to the records about to
// be written, then the value schema, then the quota, which it charges. The
// answer is nil when the records may go.
func (c *call) admitRecords(records []kafkarest.Record) *Response {
	// Limits and quotas are keyed and reported by the topic as the client
	// named it: a rewritten topic (a tenant prefix) stays hidden.
	topic := c.route.Topic
	lim := c.limits()
	if lim.MaxRequestBytes > 0 && c.lim.bodyBytes > lim.MaxRequestBytes {
		return c.refuseLimit(topic, "max_request_bytes", requestTooLarge(c.lim.bodyBytes, lim.MaxRequestBytes, topic))
	}
	if lim.MaxRecords > 0 && len(records) > lim.MaxRecords {
		return c.refuseLimit(topic, "max_records", kafkarest.TooManyRecords(c.route.API, c.route.Action, lim.MaxRecords, len(records)))
	}
	if lim.MaxRecordBytes > 0 {
		for i := range records {
			if size := records[i].Size(); size > lim.MaxRecordBytes {
				return c.refuseLimit(topic, "max_record_bytes", apierr.New(http.StatusRequestEntityTooLarge, 413,
					"The request included a message larger than the maximum message size the server can accept: record %d is %d bytes; this caller may write at most %d bytes per record (key, value and headers) to topic %s.",
					records[i].Index, size, lim.MaxRecordBytes, topic))
			}
		}
	}
	if resp := c.validateValues(topic, records); resp != nil {
		return resp
	}
	return c.takeQuota(topic, records, lim)
}

func (c *call) refuseLimit(topic, limit string, e *apierr.Error) *Response {
	c.g.opts.Metrics.LimitRefused(c.clusterName(), topic, limit)
	return c.fail(e)
}

func (c *call) clusterName() string {
	if c.cluster == nil {
		return ""
	}
	return c.cluster.Name()
}

// requestTooLarge is max_body_bytes's 413, for the policy's limit.
func requestTooLarge(n, limit int, topic string) *apierr.Error {
	return apierr.New(http.StatusRequestEntityTooLarge, 413,
		"The request body is %d bytes; this caller may send at most %d bytes to topic %s.", n, limit, topic)
}
