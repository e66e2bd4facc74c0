package gateway

import (
	"context"
	"net/http"
	"strconv"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// handler serves one action once the request is authenticated and (unless
// the route names its resource in the body) authorized. It returns either the
// response, or a BodyFunc when it needs the body.
type handler func(c *call, ctx context.Context) (*Response, BodyFunc)

// handlers maps every action of both route tables to its handler. A test
// checks that none is missing.
var handlers = map[kafkarest.Action]handler{
	kafkarest.ListClusters: (*call).describe,
	kafkarest.GetCluster:   (*call).describe,
	kafkarest.ListTopics:   (*call).describe,
	kafkarest.GetTopic:     (*call).describe,

	kafkarest.ListBrokers:          (*call).brokers,
	kafkarest.GetBroker:            (*call).brokers,
	kafkarest.ListBrokerConfigs:    (*call).brokerConfigs,
	kafkarest.ListAllBrokerConfigs: (*call).brokerConfigs,
	kafkarest.GetBrokerConfig:      (*call).brokerConfigs,

	kafkarest.CreateTopic:          (*call).createTopic,
	kafkarest.DeleteTopic:          (*call).deleteTopic,
	kafkarest.UpdatePartitionCount: (*call).updatePartitionCount,
	kafkarest.ListTopicConfigs:     (*call).topicConfigs,
	kafkarest.ListAllTopicConfigs:  (*call).topicConfigs,
	kafkarest.GetTopicConfig:       (*call).topicConfigs,
	kafkarest.UpdateTopicConfig:    (*call).alterTopicConfigs,
	kafkarest.ResetTopicConfig:     (*call).alterTopicConfigs,
	kafkarest.AlterTopicConfigs:    (*call).alterTopicConfigs,

	kafkarest.ListPartitions:      (*call).describe,
	kafkarest.GetPartition:        (*call).partitions,
	kafkarest.GetPartitionOffsets: (*call).partitions,
	kafkarest.ListReplicas:        (*call).partitions,
	kafkarest.GetReplica:          (*call).partitions,

	kafkarest.Produce:      (*call).beginProduce,
	kafkarest.ProduceBatch: (*call).beginProduceBatch,
	kafkarest.ReadRecords:  (*call).readRecords,

	kafkarest.ListConsumerGroups:      (*call).consumerGroups,
	kafkarest.GetConsumerGroup:        (*call).consumerGroups,
	kafkarest.ListGroupConsumers:      (*call).consumerGroups,
	kafkarest.GetGroupConsumer:        (*call).consumerGroups,
	kafkarest.ListConsumerAssignments: (*call).consumerAssignments,
	kafkarest.GetConsumerAssignment:   (*call).consumerAssignments,
	kafkarest.ListGroupLags:           (*call).groupLags,
	kafkarest.GetGroupLagSummary:      (*call).groupLags,
	kafkarest.GetGroupLag:             (*call).groupLags,
	kafkarest.GetGroupOffsets:         (*call).groupOffsets,
	kafkarest.CommitGroupOffsets:      (*call).groupOffsets,

	kafkarest.CreateConsumer:  (*call).consumerInstance,
	kafkarest.DeleteConsumer:  (*call).consumerInstance,
	kafkarest.Subscribe:       (*call).consumerInstance,
	kafkarest.GetSubscription: (*call).consumerInstance,
	kafkarest.Unsubscribe:     (*call).consumerInstance,
	kafkarest.Assign:          (*call).consumerInstance,
	kafkarest.Poll:            (*call).consumerInstance,
	kafkarest.CommitOffsets:   (*call).consumerInstance,
	kafkarest.Seek:            (*call).consumerInstance,
	kafkarest.SeekToBeginning: (*call).consumerInstance,
	kafkarest.SeekToEnd:       (*call).consumerInstance,

	kafkarest.GetOpenAPI: (*call).openAPI,
}

// errNotImplemented answers an action whose handler is not written yet.
var errNotImplemented = apierr.New(http.StatusNotImplemented, 501, "This endpoint is not implemented yet.")

// bodyCheck validates the request's content-type for an endpoint.
type bodyCheck func(contentType string) error

// expectBody checks what can be checked of a body before it arrives (media
// type, declared size, presence), then returns a BodyFunc that bounds the
// body and hands it to fn. With optional set, a missing body is fine and fn
// gets nil.
func (c *call) expectBody(ctx context.Context, check bodyCheck, optional bool, fn BodyFunc) (*Response, BodyFunc) {
	if c.req.EndOfStream {
		if optional {
			return fn(ctx, nil), nil
		}
		return c.fail(apierr.EmptyBody), nil
	}
	if check != nil {
		if err := check(c.req.Headers["content-type"]); err != nil {
			return c.fail(err), nil
		}
	}
	if cl := c.req.Headers["content-length"]; cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n > c.g.opts.MaxBodyBytes {
			return c.fail(c.bodyTooLarge(n)), nil
		}
	}
	return nil, func(ctx context.Context, body []byte) *Response {
		if len(body) > c.g.opts.MaxBodyBytes {
			return c.fail(apierr.New(http.StatusRequestEntityTooLarge, 413,
				"The request body exceeds the gateway's limit of %d bytes.", c.g.opts.MaxBodyBytes))
		}
		if len(body) == 0 && !optional {
			return c.fail(apierr.EmptyBody)
		}
		return fn(ctx, body)
	}
}

func (c *call) bodyTooLarge(n int) *apierr.Error {
	return apierr.New(http.StatusRequestEntityTooLarge, 413,
		"The request body is %d bytes; the gateway accepts at most %d bytes.", n, c.g.opts.MaxBodyBytes)
}

// authorize asks the policy about one more resource of the request (a topic
// named in the body, each topic of a subscription), with the route's other
// fields. It returns the denial to send, or nil when allowed.
func (c *call) authorize(ctx context.Context, operation, resourceType, name string) *Response {
	return c.authorizeAdmin(ctx, operation, resourceType, name, nil)
}

// authorizeAdmin is authorize with what an admin request's body asks for in
// input.admin.
func (c *call) authorizeAdmin(ctx context.Context, operation, resourceType, name string, admin *policy.Admin) *Response {
	in := c.input(policy.PhaseRequest)
	in.Admin = admin
	in.Operation = operation
	in.Resource = policy.Resource{Type: resourceType, Name: name}
	if resourceType == kafkarest.ResourceTopic {
		in.Topic = name
	}
	if d := c.decide(ctx, in); !d.Allow {
		return c.deny(d)
	}
	return nil
}
