package kafka

import (
	"context"
	"errors"
	"net/http"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// mapping is how one Kafka error reaches the client.
type mapping struct {
	status     int
	code       int
	retryAfter time.Duration
	message    string
}

var (
	unknownTopic  = mapping{http.StatusNotFound, 40403, 0, "This server does not host this topic-partition."}
	tooLarge      = mapping{http.StatusRequestEntityTooLarge, 413, 0, "The request included a message larger than the maximum message size the server can accept."}
	notAuthorized = mapping{http.StatusForbidden, 40301, 0, "The gateway is not authorized for this operation on the Kafka cluster."}
	queueFull     = mapping{http.StatusTooManyRequests, 42901, time.Second, "Too many records are waiting to be sent to Kafka; retry later."}
	timedOut      = mapping{http.StatusGatewayTimeout, 50003, time.Second, "Kafka did not answer in time; a record being produced may or may not have been written."}
	unavailable   = mapping{http.StatusServiceUnavailable, 50003, time.Second, "The Kafka cluster is not available; retry later."}
	invalidRecord = mapping{http.StatusBadRequest, 40002, 0, "Kafka rejected the record."}
	outOfRange    = mapping{http.StatusRequestedRangeNotSatisfiable, 41601, 0, "The offset is outside the partition's log."}
	kafkaError    = mapping{http.StatusInternalServerError, 50002, 0, "Kafka reported an error."}

	groupNotFound  = mapping{http.StatusNotFound, 40405, 0, "The consumer group cannot be found."}
	groupActive    = mapping{http.StatusConflict, 40903, 0, "Kafka refused the offset commit: the consumer group has active members or is rebalancing, and then only its members may commit."}
	metadataTooBig = mapping{http.StatusBadRequest, 40002, 0, "Kafka rejected the offset: its metadata is longer than the broker accepts (offset.metadata.max.bytes)."}
	adminRejected  = mapping{http.StatusBadRequest, 40002, 0, "Kafka rejected the request."}
)

// errorTable maps Kafka error codes (broker and librdkafka-local) to what the
// client sees. Codes not listed are 500/50002 and logged in full.
var errorTable = map[ck.ErrorCode]mapping{
	ck.ErrUnknownTopicOrPart: unknownTopic,
	ck.ErrUnknownTopic:       unknownTopic,
	ck.ErrUnknownPartition:   unknownTopic,

	ck.ErrMsgSizeTooLarge:    tooLarge,
	ck.ErrRecordListTooLarge: tooLarge,

	ck.ErrTopicAuthorizationFailed:   notAuthorized,
	ck.ErrClusterAuthorizationFailed: notAuthorized,
	ck.ErrGroupAuthorizationFailed:   notAuthorized,

	ck.ErrQueueFull: queueFull,

	ck.ErrMsgTimedOut:      timedOut,
	ck.ErrTimedOut:         timedOut,
	ck.ErrRequestTimedOut:  timedOut,
	ck.ErrTimedOutQueue:    timedOut,
	ck.ErrPurgeInflight:    timedOut,
	ck.ErrPurgeQueue:       unavailable,
	ck.ErrAllBrokersDown:   unavailable,
	ck.ErrTransport:        unavailable,
	ck.ErrNetworkException: unavailable,

	ck.ErrNotEnoughReplicas:            unavailable,
	ck.ErrNotEnoughReplicasAfterAppend: unavailable,
	ck.ErrLeaderNotAvailable:           unavailable,
	ck.ErrNotLeaderForPartition:        unavailable,
	ck.ErrBrokerNotAvailable:           unavailable,
	ck.ErrDestroy:                      unavailable,

	ck.ErrInvalidRecord:       invalidRecord,
	ck.ErrInvalidMsg:          invalidRecord,
	ck.ErrPolicyViolation:     invalidRecord,
	ck.ErrInvalidTimestamp:    invalidRecord,
	ck.ErrInvalidRequiredAcks: invalidRecord,

	ck.ErrGroupIDNotFound:           groupNotFound,
	ck.ErrUnknownMemberID:           groupActive,
	ck.ErrRebalanceInProgress:       groupActive,
	ck.ErrIllegalGeneration:         groupActive,
	ck.ErrStaleMemberEpoch:          groupActive,
	ck.ErrOffsetMetadataTooLarge:    metadataTooBig,
	ck.ErrCoordinatorNotAvailable:   unavailable,
	ck.ErrNotCoordinator:            unavailable,
	ck.ErrCoordinatorLoadInProgress: unavailable,
	ck.ErrOffsetOutOfRange:          outOfRange,
	ck.ErrAutoOffsetReset:           outOfRange,
	ck.ErrTopicAlreadyExists:        adminRejected,
	ck.ErrInvalidPartitions:         adminRejected,
	ck.ErrInvalidReplicationFactor:  adminRejected,
	ck.ErrInvalidReplicaAssignment:  adminRejected,
	ck.ErrInvalidConfig:             adminRejected,
	ck.ErrTopicException:            adminRejected,
	ck.ErrInvalidRequest:            adminRejected,
	ck.ErrTopicDeletionDisabled:     adminRejected,
}

// kafkaMessage lists the codes whose message from the broker is written for
// the client (it names the topic, the config, the bad value): the client sees
// it instead of the table's generic one.
var kafkaMessage = map[ck.ErrorCode]bool{
	ck.ErrTopicAlreadyExists:       true,
	ck.ErrInvalidPartitions:        true,
	ck.ErrInvalidReplicationFactor: true,
	ck.ErrInvalidReplicaAssignment: true,
	ck.ErrInvalidConfig:            true,
	ck.ErrTopicException:           true,
	ck.ErrInvalidRequest:           true,
	ck.ErrPolicyViolation:          true,
}

// detailer is an error of this package that carries a client-safe message
// more precise than its table entry's (the valid range of an offset).
type detailer interface{ Detail() string }

// ClientError maps an error from this package to a client-visible error that
// wraps the original for the logs.
func ClientError(err error) *apierr.Error {
	if err == nil {
		return nil
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	m := kafkaError
	var ke ck.Error
	switch {
	case errors.As(err, &ke):
		if mm, ok := errorTable[ke.Code()]; ok {
			m = mm
		}
		if msg := ke.String(); kafkaMessage[ke.Code()] && msg != ke.Code().String() {
			m.message = msg
		}
	case errors.Is(err, context.DeadlineExceeded):
		m = timedOut
	case errors.Is(err, context.Canceled):
		return apierr.ClientGone.Wrap(err) // the request's client went away
	}
	msg := m.message
	if d := detailer(nil); errors.As(err, &d) {
		msg = d.Detail()
	}
	e := apierr.New(m.status, m.code, "%s", msg).Wrap(err)
	if m.retryAfter > 0 {
		e = e.WithRetryAfter(m.retryAfter)
	}
	return e
}

// fetchEnding are the consumer errors that end a fetch: no retry can mend
// them while the request waits. Every other consumer error is transient (a
// broker connection lost, a leader moving): librdkafka retries it, and the
// fetch's deadline bounds the wait.
var fetchEnding = map[ck.ErrorCode]bool{
	ck.ErrTopicAuthorizationFailed:   true,
	ck.ErrGroupAuthorizationFailed:   true,
	ck.ErrClusterAuthorizationFailed: true,
	ck.ErrUnknownTopicOrPart:         true,
	ck.ErrUnknownTopic:               true,
	ck.ErrUnknownPartition:           true,
	ck.ErrOffsetOutOfRange:           true,
	ck.ErrAutoOffsetReset:            true,
}

// EndsFetch reports whether a consumer error ends a fetch (a stateless read,
// a consumer instance's poll) at once rather than being waited out: a fatal
// error, a missing authorization, a topic or partition that does not exist,
// an offset outside the log. ClientError gives each its answer.
func EndsFetch(err error) bool {
	var ke ck.Error
	if !errors.As(err, &ke) {
		return false
	}
	return ke.IsFatal() || fetchEnding[ke.Code()]
}
