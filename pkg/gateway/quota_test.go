package gateway_test

import (
	"strings"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/policy"
)

func rateHeaders(resp *gateway.Response) map[string]string {
	out := map[string]string{}
	for _, h := range []string{"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"} {
		if v, ok := resp.Headers[h]; ok {
			out[h] = v
		}
	}
	return out
}

func TestQuota_ProduceUntilThrottledThenAgain(t *testing.T) {
	e := newLimitsEnv(t, nil)
	e.request.Limits = &policy.Limits{RecordsPerSec: 2}
	two := []byte(stringRecord("a") + stringRecord("b"))
	req := func() *gateway.Request { return post(recordsPath, map[string]string{"authorization": demoAuth}) }

	resp := e.serve(t, req(), two)
	if resp.Status != 200 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if diff := cmp.Diff(map[string]string{"ratelimit-limit": "2", "ratelimit-remaining": "0", "ratelimit-reset": "1"}, rateHeaders(resp)); diff != "" {
		t.Errorf("headers of an answer within the quota (-want +got):\n%s", diff)
	}

	e.advance(500 * time.Millisecond) // one record back: not enough for two
	resp = e.serve(t, req(), two)
	if got, msg := errorBody(t, resp); resp.Status != 429 || got != 42901 ||
		msg != "Too many requests: this caller may write 2 records per second to topic orders; retry in 1 s." {
		t.Fatalf("got %d/%d %q", resp.Status, got, msg)
	}
	if diff := cmp.Diff(map[string]string{"ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1", "retry-after": "1"}, rateHeaders(resp)); diff != "" {
		t.Errorf("headers of a 429 (-want +got):\n%s", diff)
	}
	if n := len(e.cluster.messages()); n != 2 {
		t.Fatalf("%d records written, want the first request's 2", n)
	}
	if got := counter(t, e.metrics, "topicgate_quota_throttled_requests_total",
		map[string]string{"cluster": "default", "topic": "orders", "principal_type": "api_key", "operation": "WRITE"}); got != 1 {
		t.Errorf("throttled counted %v, want 1", got)
	}

	e.advance(500 * time.Millisecond)
	if resp := e.serve(t, req(), two); resp.Status != 200 {
		t.Fatalf("after the wait: status %d: %s", resp.Status, resp.Body)
	}
}

func TestQuota_BytesAndTheLargerRequest(t *testing.T) {
	e := newLimitsEnv(t, nil)
	e.records.Limits = &policy.Limits{BytesPerSec: 10}
	// 30 bytes: larger than the bucket of 10, passes on a full bucket...
	if resp := e.serve(t, post(recordsPath, nil), []byte(stringRecord(strings.Repeat("x", 30)))); resp.Status != 200 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	// ...and is paid off before the next: 20 owed + 1 byte = 2.1 s.
	resp := e.serve(t, post(recordsPath, nil), []byte(stringRecord("y")))
	if got, msg := errorBody(t, resp); resp.Status != 429 || resp.Headers["retry-after"] != "3" ||
		!strings.Contains(msg, "may write 10 bytes per second to topic orders; retry in 3 s") {
		t.Fatalf("got %d/%d %q, retry-after %q", resp.Status, got, msg, resp.Headers["retry-after"])
	}
	e.advance(2100 * time.Millisecond)
	if resp := e.serve(t, post(recordsPath, nil), []byte(stringRecord("y"))); resp.Status != 200 {
		t.Fatalf("after paying off: status %d: %s", resp.Status, resp.Body)
	}
}

// Only what Kafka takes is charged: failed deliveries and records the
// producer queue did not take are given back.
func TestQuota_WhatIsNotWrittenIsRefunded(t *testing.T) {
	e := newLimitsEnv(t, nil)
	e.request.Limits = &policy.Limits{RecordsPerSec: 2}
	e.cluster.deliver = func(i int, m kafka.Message) kafka.Delivery {
		if i == 0 {
			return kafka.Delivery{Partition: 0, Offset: 1}
		}
		return kafka.Delivery{Err: ck.NewError(ck.ErrMsgSizeTooLarge, "too large", false)}
	}
	two := []byte(stringRecord("a") + stringRecord("b"))
	if resp := e.serve(t, post(recordsPath, nil), two); resp.Status != 200 {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	e.cluster.deliver = nil
	one := []byte(stringRecord("c"))
	if resp := e.serve(t, post(recordsPath, nil), one); resp.Status != 200 {
		t.Fatalf("the failed record was charged: status %d: %s", resp.Status, resp.Body)
	}
	if resp := e.serve(t, post(recordsPath, nil), one); resp.Status != 429 {
		t.Fatalf("status %d, want 429 with the quota used up", resp.Status)
	}

	// ?async=true: the producer queue takes 1 of 2.
	e = newLimitsEnv(t, nil)
	e.request.Limits = &policy.Limits{RecordsPerSec: 2}
	room := 1
	e.cluster.queueRoom = &room
	v2 := func(body string) *gateway.Response {
		return e.serve(t, post(produceV2Path+"?async=true", map[string]string{"content-type": produceV2JSON}), []byte(body))
	}
	if resp := v2(`{"records":[{"value":1},{"value":2}]}`); resp.Status != 429 || resp.Headers["retry-after"] != "" {
		t.Fatalf("partly queued: status %d, retry-after %q: %s", resp.Status, resp.Headers["retry-after"], resp.Body)
	}
	e.cluster.queueRoom = nil
	if resp := v2(`{"records":[{"value":3}]}`); resp.Status != 204 {
		t.Fatalf("the record not queued was charged: status %d: %s", resp.Status, resp.Body)
	}
}

// A quota on reads shrinks the page to what is left and charges what was
// read; reads and writes have their own buckets.
func TestQuota_StatelessReads(t *testing.T) {
	e := newLimitsEnv(t, nil)
	e.request.Limits = &policy.Limits{RecordsPerSec: 3}
	var asked []kafka.ReadRequest
	e.cluster.read = func(req kafka.ReadRequest) (kafka.ReadResult, error) {
		asked = append(asked, req)
		recs := make([]kafka.Record, req.MaxRecords)
		for i := range recs {
			recs[i] = kafka.Record{Topic: req.Topic, Partition: req.Partition, Offset: int64(i), Value: []byte("v")}
		}
		return kafka.ReadResult{Records: recs, NextOffset: int64(len(recs)), HighWatermark: 10}, nil
	}
	read := func() *gateway.Response {
		return e.serve(t, get(readsPath+"?max_records=100", map[string]string{"authorization": demoAuth}), nil)
	}
	resp := read()
	if resp.Status != 200 || len(asked) != 1 || asked[0].MaxRecords != 3 {
		t.Fatalf("status %d, asked %+v: %s", resp.Status, asked, resp.Body)
	}
	if resp.Headers["ratelimit-remaining"] != "0" {
		t.Errorf("headers %v", rateHeaders(resp))
	}
	resp = read()
	if got, msg := errorBody(t, resp); resp.Status != 429 || !strings.Contains(msg, "may read 3 records per second from topic orders") {
		t.Fatalf("got %d/%d %q", resp.Status, got, msg)
	}
	if len(asked) != 1 {
		t.Errorf("a throttled read reached Kafka")
	}
	// The read quota is not the write quota.
	if resp := e.serve(t, post(recordsPath, map[string]string{"authorization": demoAuth}), []byte(stringRecord("w"))); resp.Status != 200 {
		t.Fatalf("produce after reads: status %d: %s", resp.Status, resp.Body)
	}
}

func TestQuota_NoLimitsNoHeaders(t *testing.T) {
	e := newLimitsEnv(t, nil)
	resp := e.serve(t, post(recordsPath, nil), []byte(stringRecord("a")))
	if resp.Status != 200 || len(rateHeaders(resp)) != 0 {
		t.Fatalf("status %d, headers %v", resp.Status, rateHeaders(resp))
	}
}
