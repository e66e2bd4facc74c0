package gateway

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/quota"
)

// quotaUse is the quota a call was charged against.
type quotaUse struct {
	key    quota.Key
	rates  quota.Rates
	cost   quota.Cost // what is still charged
	result quota.Result
}

// rates are the quota rates of limits.
func rates(l policy.Limits) quota.Rates {
	return quota.Rates{Records: l.RecordsPerSec, Bytes: l.BytesPerSec}
}

// quotaKey is the bucket of the caller on the Kafka topic the request acts
// on (after any rewrite, so that several names a policy maps to one topic
// share its quota); topic, the client's name, is the fallback.
func (c *call) quotaKey(topic, operation string) quota.Key {
	if c.topic != "" {
		topic = c.topic
	}
	return quota.Key{
		PrincipalType: c.principal.Type, Principal: c.principal.ID,
		Cluster: c.clusterName(), Topic: topic, Operation: operation,
	}
}

// takeQuota charges the records to the caller's produce quota on the topic,
// or refuses them with 429 and charges nothing.
func (c *call) takeQuota(topic string, records []kafkarest.Record, lim policy.Limits) *Response {
	r := rates(lim)
	if !r.Limited() {
		return nil
	}
	cost := quota.Cost{Records: int64(len(records))}
	for i := range records {
		cost.Bytes += int64(records[i].Size())
	}
	_, refused := c.take(topic, kafkarest.OpWrite, r, cost)
	return refused
}

// refundUnwritten gives back the quota of the records Kafka did not take:
// only what is written is charged. written(i) tells for records[i].
func (c *call) refundUnwritten(records []kafkarest.Record, written func(i int) bool) {
	u := c.lim.quota
	if u == nil || u.key.Operation != kafkarest.OpWrite {
		return
	}
	var back quota.Cost
	for i := range records {
		if !written(i) {
			back.Records++
			back.Bytes += int64(records[i].Size())
		}
	}
	if back != (quota.Cost{}) {
		c.g.quotas.Refund(u.key, u.rates, back)
	}
}

// admitRead lets a stateless read start if the caller's read quota on the
// topic has a record left, and shrinks the page to what the quota allows.
// chargeRead charges what was read.
func (c *call) admitRead(topic string, rr *kafka.ReadRequest) *Response {
	r := rates(c.limits())
	if !r.Limited() {
		return nil
	}
	u, refused := c.take(topic, kafkarest.OpRead, r, quota.Cost{Records: 1, Bytes: 1})
	if refused != nil {
		return refused
	}
	// One record and one byte are taken: the page may hold what is left
	// besides them.
	if s := u.result.Records; s.Limit > 0 {
		rr.MaxRecords = min(rr.MaxRecords, 1+int(max(0, math.Floor(s.Remaining))))
	}
	if s := u.result.Bytes; s.Limit > 0 {
		rr.MaxBytes = min(rr.MaxBytes, 1+int(max(0, math.Floor(s.Remaining))))
	}
	return nil
}

func (c *call) chargeRead(records []kafka.Record) {
	u := c.lim.quota
	if u == nil || u.key.Operation != kafkarest.OpRead {
		return
	}
	read := quota.Cost{Records: int64(len(records))}
	for i := range records {
		read.Bytes += int64(readSize(&records[i]))
	}
	switch {
	case len(records) == 0:
		c.g.quotas.Refund(u.key, u.rates, u.cost)
	default:
		// A first record larger than the page's byte budget is read
		// alone, so bytes may go below zero, to be paid off.
		u.result = c.g.quotas.Charge(u.key, u.rates, quota.Cost{Records: read.Records - 1, Bytes: read.Bytes - 1})
	}
	u.cost = read
}

// readSize is a read record's size as produce counts it: key, value, header
// names and values.
func readSize(r *kafka.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// throttled answers 429 for a quota the request does not fit.
func (c *call) throttled(u *quotaUse, verb, prep string) *Response {
	c.g.opts.Metrics.Throttled(u.key.Cluster, u.key.Topic, u.key.PrincipalType, u.key.Operation)
	var parts []string
	if u.rates.Records > 0 {
		parts = append(parts, strconv.FormatFloat(u.rates.Records, 'f', -1, 64)+" records")
	}
	if u.rates.Bytes > 0 {
		parts = append(parts, strconv.FormatFloat(u.rates.Bytes, 'f', -1, 64)+" bytes")
	}
	wait := max(u.result.RetryAfter, time.Second)
	return c.fail(apierr.New(http.StatusTooManyRequests, 42901,
		"Too many requests: this caller may %s %s per second %s topic %s; retry in %d s.",
		verb, strings.Join(parts, " and "), prep, u.key.Topic, int(math.Ceil(wait.Seconds()))).WithRetryAfter(wait))
}

// quotaHeaders adds the rate-limit headers of the quota the call was
// charged against: the one (records or bytes) closest to its limit.
func (c *call) quotaHeaders(h map[string]string) {
	u := c.lim.quota
	if u == nil {
		return
	}
	s := tightest(u.result.Records, u.result.Bytes)
	if s.Limit == 0 {
		return
	}
	h["ratelimit-limit"] = strconv.Itoa(int(math.Floor(s.Limit)))
	h["ratelimit-remaining"] = strconv.Itoa(int(max(0, math.Floor(s.Remaining))))
	h["ratelimit-reset"] = strconv.Itoa(int(math.Ceil(s.Reset.Seconds())))
}

// tightest is the status with the least of its limit left.
func tightest(a, b quota.Status) quota.Status {
	switch {
	case a.Limit == 0:
		return b
	case b.Limit == 0:
		return a
	case b.Remaining/b.Limit < a.Remaining/a.Limit:
		return b
	}
	return a
}

// take charges cost to the caller's bucket for operation (WRITE or READ)
// on topic, and keeps the use for the answer's rate-limit headers and any
// refund; over the quota it returns the 429 to send, and nothing is charged.
func (c *call) take(topic, operation string, r quota.Rates, cost quota.Cost) (*quotaUse, *Response) {
	u := &quotaUse{key: c.quotaKey(topic, operation), rates: r, cost: cost}
	u.result = c.g.quotas.Take(u.key, r, cost)
	c.lim.quota = u
	if u.result.Allowed {
		return u, nil
	}
	u.cost = quota.Cost{}
	if operation == kafkarest.OpRead {
		return u, c.throttled(u, "read", "from")
	}
	return u, c.throttled(u, "write", "to")
}
