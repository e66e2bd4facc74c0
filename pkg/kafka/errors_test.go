package kafka

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

func TestClientError(t *testing.T) {
	type want struct {
		Status, Code int
		RetryAfter   time.Duration
		Message      string
	}
	var (
		unknownTopic  = want{404, 40403, 0, "This server does not host this topic-partition."}
		tooLarge      = want{413, 413, 0, "The request included a message larger than the maximum message size the server can accept."}
		notAuthorized = want{403, 40301, 0, "The gateway is not authorized for this operation on the Kafka cluster."}
		queueFull     = want{429, 42901, time.Second, "Too many records are waiting to be sent to Kafka; retry later."}
		timedOut      = want{504, 50003, time.Second, "Kafka did not answer in time; a record being produced may or may not have been written."}
		unavailable   = want{503, 50003, time.Second, "The Kafka cluster is not available; retry later."}
		invalidRecord = want{400, 40002, 0, "Kafka rejected the record."}
		kafkaError    = want{500, 50002, 0, "Kafka reported an error."}
	)
	kerr := func(c ck.ErrorCode) error { return ck.NewError(c, c.String(), false) }
	tests := []struct {
		name string
		err  error
		want want
	}{
		{name: "unknown topic or partition", err: kerr(ck.ErrUnknownTopicOrPart), want: unknownTopic},
		{name: "unknown topic (local)", err: kerr(ck.ErrUnknownTopic), want: unknownTopic},
		{name: "unknown partition (local)", err: kerr(ck.ErrUnknownPartition), want: unknownTopic},
		{name: "message too large", err: kerr(ck.ErrMsgSizeTooLarge), want: tooLarge},
		{name: "record list too large", err: kerr(ck.ErrRecordListTooLarge), want: tooLarge},
		{name: "topic authorization failed", err: kerr(ck.ErrTopicAuthorizationFailed), want: notAuthorized},
		{name: "cluster authorization failed", err: kerr(ck.ErrClusterAuthorizationFailed), want: notAuthorized},
		{name: "queue full", err: kerr(ck.ErrQueueFull), want: queueFull},
		{name: "message timed out", err: kerr(ck.ErrMsgTimedOut), want: timedOut},
		{name: "timed out (local)", err: kerr(ck.ErrTimedOut), want: timedOut},
		{name: "request timed out", err: kerr(ck.ErrRequestTimedOut), want: timedOut},
		{name: "timed out in queue", err: kerr(ck.ErrTimedOutQueue), want: timedOut},
		{name: "purged in flight", err: kerr(ck.ErrPurgeInflight), want: timedOut},
		{name: "purged from the queue", err: kerr(ck.ErrPurgeQueue), want: unavailable},
		{name: "all brokers down", err: kerr(ck.ErrAllBrokersDown), want: unavailable},
		{name: "transport", err: kerr(ck.ErrTransport), want: unavailable},
		{name: "network exception", err: kerr(ck.ErrNetworkException), want: unavailable},
		{name: "not enough replicas", err: kerr(ck.ErrNotEnoughReplicas), want: unavailable},
		{name: "not enough replicas after append", err: kerr(ck.ErrNotEnoughReplicasAfterAppend), want: unavailable},
		{name: "leader not available", err: kerr(ck.ErrLeaderNotAvailable), want: unavailable},
		{name: "not leader", err: kerr(ck.ErrNotLeaderForPartition), want: unavailable},
		{name: "broker not available", err: kerr(ck.ErrBrokerNotAvailable), want: unavailable},
		{name: "client destroyed", err: kerr(ck.ErrDestroy), want: unavailable},
		{name: "invalid record", err: kerr(ck.ErrInvalidRecord), want: invalidRecord},
		{name: "invalid message", err: kerr(ck.ErrInvalidMsg), want: invalidRecord},
		{name: "policy violation", err: kerr(ck.ErrPolicyViolation), want: invalidRecord},
		{name: "invalid timestamp", err: kerr(ck.ErrInvalidTimestamp), want: invalidRecord},
		{name: "invalid required acks", err: kerr(ck.ErrInvalidRequiredAcks), want: invalidRecord},
		{name: "a Kafka code without a mapping", err: kerr(ck.ErrUnsupportedVersion), want: kafkaError},
		{name: "a wrapped Kafka error", err: fmt.Errorf("describe: %w", kerr(ck.ErrUnknownTopicOrPart)), want: unknownTopic},
		{name: "deadline exceeded", err: context.DeadlineExceeded, want: timedOut},
		{name: "wrapped deadline exceeded", err: fmt.Errorf("waiting: %w", context.DeadlineExceeded), want: timedOut},
		{name: "canceled: the client went away", err: context.Canceled, want: want{499, 499, 0, "The client closed the request."}},
		{name: "any other error", err: errors.New("boom"), want: kafkaError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClientError(tt.err)
			if got == nil {
				t.Fatal("ClientError returned nil")
			}
			if diff := cmp.Diff(tt.want, want{got.Status, got.Code, got.RetryAfter, got.Message}); diff != "" {
				t.Errorf("ClientError(%v) mismatch (-want +got):\n%s", tt.err, diff)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("ClientError(%v) does not wrap the original error for the logs", tt.err)
			}
		})
	}
}

func TestClientError_PassesThrough(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want *apierr.Error
	}{
		{name: "nil", err: nil, want: nil},
		{name: "an *apierr.Error", err: apierr.UnknownTopic, want: apierr.UnknownTopic},
		{name: "a wrapped *apierr.Error", err: fmt.Errorf("ctx: %w", apierr.TooLarge), want: apierr.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientError(tt.err); got != tt.want {
				t.Errorf("ClientError(%v) = %v, want %v itself", tt.err, got, tt.want)
			}
		})
	}
}

func TestTopicInfo_HasPartition(t *testing.T) {
	topic := TopicInfo{Partitions: []PartitionInfo{{ID: 0}, {ID: 2}}}
	tests := []struct {
		name string
		p    int32
		want bool
	}{
		{name: "first", p: 0, want: true},
		{name: "a gap", p: 1, want: false},
		{name: "last", p: 2, want: true},
		{name: "past the end", p: 3, want: false},
		{name: "any", p: PartitionAny, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := topic.HasPartition(tt.p); got != tt.want {
				t.Errorf("HasPartition(%d) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// A fetch ends at once on errors no retry mends, each with a client answer
// (not 504 after the deadline); transient ones are waited out.
func TestEndsFetch(t *testing.T) {
	tests := []struct {
		err    error
		ends   bool
		status int
	}{
		{ck.NewError(ck.ErrTopicAuthorizationFailed, "Broker: Topic authorization failed", false), true, 403},
		{ck.NewError(ck.ErrGroupAuthorizationFailed, "Broker: Group authorization failed", false), true, 403},
		{ck.NewError(ck.ErrClusterAuthorizationFailed, "Broker: Cluster authorization failed", false), true, 403},
		{ck.NewError(ck.ErrUnknownTopicOrPart, "Broker: Unknown topic or partition", false), true, 404},
		{ck.NewError(ck.ErrUnknownPartition, "Local: Unknown partition", false), true, 404},
		{ck.NewError(ck.ErrUnknownTopic, "Local: Unknown topic", false), true, 404},
		{fmt.Errorf("orders-1: %w", ck.NewError(ck.ErrOffsetOutOfRange, "Broker: Offset out of range", false)), true, 416},
		{ck.NewError(ck.ErrAutoOffsetReset, "offset reset", false), true, 416},
		{ck.NewError(ck.ErrFail, "fatal", true), true, 500},
		{ck.NewError(ck.ErrTransport, "Local: Broker transport failure", false), false, 0},
		{ck.NewError(ck.ErrAllBrokersDown, "Local: All broker connections are down", false), false, 0},
		{ck.NewError(ck.ErrNotLeaderForPartition, "Broker: Not leader for partition", false), false, 0},
		{ck.NewError(ck.ErrLeaderNotAvailable, "Broker: Leader not available", false), false, 0},
		{context.DeadlineExceeded, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			if got := EndsFetch(tt.err); got != tt.ends {
				t.Fatalf("EndsFetch = %v, want %v", got, tt.ends)
			}
			if tt.ends {
				if e := ClientError(tt.err); e.Status != tt.status {
					t.Errorf("ClientError status %d, want %d", e.Status, tt.status)
				}
			}
		})
	}
}
