// Package gateway turns an HTTP request into a Kafka operation under policy:
// it matches the route, authenticates the caller, asks the policy, calls
// Kafka and renders the answer. It knows nothing of Envoy: pkg/extproc feeds
// it requests and turns its responses into ImmediateResponses.
package gateway

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
	"github.com/topicgate/topicgate/pkg/quota"
)

// Cluster is what the gateway needs of a Kafka cluster. Each concern's
// methods are declared beside the handlers that use them.
type Cluster interface {
	Name() string
	// ID is the cluster id last reported by Kafka, "" if never reached.
	ID() string
	Describe(ctx context.Context) (kafka.ClusterInfo, error)
	Topics(ctx context.Context) ([]kafka.TopicInfo, error)
	Topic(ctx context.Context, name string) (kafka.TopicInfo, error)
	Produce(ctx context.Context, msgs []kafka.Message) []kafka.Delivery

	adminCluster
	groupsCluster
	readerCluster
	senderCluster
}

// Authenticator turns a request's credentials into its caller.
type Authenticator interface {
	Authenticate(identity.Credentials) (identity.Caller, error)
	// Challenge is the WWW-Authenticate value of every 401.
	Challenge() string
}

// Authorizer decides whether a request may proceed.
type Authorizer interface {
	Decide(ctx context.Context, in *policy.Input) policy.Decision
}

var (
	_ Cluster       = (*kafka.Client)(nil)
	_ Authenticator = (*identity.Authenticator)(nil)
	_ Authorizer    = (*policy.Engine)(nil)
)

// Options configure a Gateway.
type Options struct {
	Clusters []Cluster
	Auth     Authenticator
	Policy   Authorizer
	Log      *zap.Logger
	Metrics  *metrics.Metrics
	// MaxBodyBytes bounds a produce body. Keep it equal to Envoy's buffer
	// limit so that both give the same answer.
	MaxBodyBytes int
	// MaxRecords bounds the records of one produce request.
	MaxRecords int
	// ProduceTimeout bounds the wait for Kafka's acknowledgement. It must be
	// shorter than Envoy's ext_proc message_timeout so the client gets our
	// answer, not Envoy's.
	ProduceTimeout time.Duration
	// Consumers holds the v2 consumer instances; nil answers their endpoints 501.
	Consumers ConsumerInstances
	// Reads caps stateless reads and consumer polls.
	Reads ReadLimits
	// PhaseTimeout bounds each phase of a request (its headers, then its
	// body): every Kafka and policy call of the phase shares this deadline,
	// so a chain of admin calls cannot outlast Envoy's ext_proc
	// message_timeout, which applies to each phase. 0 means no bound.
	PhaseTimeout time.Duration
	// Schemas holds the JSON Schemas decisions name (value_schema); nil:
	// none, and a decision naming one is a policy error.
	Schemas SchemaSource
	// Quotas holds the token buckets of the policy's quotas
	// (records_per_second, bytes_per_second); nil: New makes one with the
	// default cap.
	Quotas *quota.Limiter
}

// Gateway serves Kafka REST requests. It is safe for concurrent use.
type Gateway struct {
	opts   Options
	quotas *quota.Limiter
}

// New returns a Gateway.
func New(opts Options) *Gateway {
	g := &Gateway{opts: opts, quotas: opts.Quotas}
	if g.quotas == nil {
		g.quotas = quota.New(quota.Options{})
	}
	return g
}

// Request is an HTTP request as the gateway sees it.
type Request struct {
	ID        string
	Method    string
	Path      string // path and query, as sent
	Scheme    string
	Authority string
	Headers   map[string]string // lower-case names
	Source    string            // the client's address, when known
	// Credentials are the Authorization header and the identities Envoy
	// verified (JWT claims, the client certificate). The protocol adapter
	// fills them; the policy never sees the header.
	Credentials identity.Credentials
	// EndOfStream is true when the request has no body.
	EndOfStream bool
}

// Response is the answer to send to the client.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
	// Details names the outcome for Envoy's %RESPONSE_CODE_DETAILS%.
	Details string
}

// BodyFunc finishes a request once its body has arrived.
type BodyFunc func(ctx context.Context, body []byte) *Response

// Headers handles the request headers. It returns either the response, or a
// BodyFunc when the endpoint needs the body (produce).
func (g *Gateway) Headers(ctx context.Context, req *Request) (*Response, BodyFunc) {
	c := g.newCall(req)
	ctx, cancel := g.phase(ctx)
	defer cancel()
	resp, next := c.begin(ctx)
	if next == nil {
		return resp, nil
	}
	return resp, func(ctx context.Context, body []byte) *Response {
		ctx, cancel := g.phase(ctx)
		defer cancel()
		return next(ctx, body)
	}
}

// phase gives one phase of a request its deadline.
func (g *Gateway) phase(ctx context.Context) (context.Context, context.CancelFunc) {
	if g.opts.PhaseTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, g.opts.PhaseTimeout)
}

// defaultCluster is the cluster of the APIs that name none (v2): the first
// configured.
func (g *Gateway) defaultCluster() Cluster {
	if len(g.opts.Clusters) == 0 {
		return nil
	}
	return g.opts.Clusters[0]
}

func (g *Gateway) clusterByID(id string) Cluster {
	for _, cl := range g.opts.Clusters {
		if cl.ID() == id {
			return cl
		}
	}
	return nil
}

func (g *Gateway) clusterByName(name string) Cluster {
	for _, cl := range g.opts.Clusters {
		if cl.Name() == name {
			return cl
		}
	}
	return nil
}
