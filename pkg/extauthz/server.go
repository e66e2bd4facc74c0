// Package extauthz speaks Envoy's external authorization protocol
// (envoy.service.auth.v3.Authorization), so topicgate can guard a Kafka REST
// backend it does not serve itself (Confluent REST Proxy, Confluent Cloud,
// the Strimzi bridge). It only translates: a CheckRequest in, a gateway
// Authorize call, a CheckResponse out. The decisions live in pkg/gateway.
package extauthz

import (
	"context"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// Authorizer is what the server needs of the gateway.
type Authorizer interface {
	Authorize(ctx context.Context, req *gateway.Request, body gateway.Body) gateway.Verdict
}

var _ Authorizer = (*gateway.Gateway)(nil)

// Server implements Authorization.
type Server struct {
	authv3.UnimplementedAuthorizationServer
	a       Authorizer
	metrics *metrics.Metrics
	newID   func() string
}

// NewServer returns a Server. newID makes request ids for requests that
// come without x-request-id.
func NewServer(a Authorizer, m *metrics.Metrics, newID func() string) *Server {
	return &Server{a: a, metrics: m, newID: newID}
}

// Check answers OK only when the gateway allowed the request. Anything it
// cannot check (a request without HTTP attributes) is a gRPC error, which
// Envoy, with failure_mode_allow false, turns into a refusal: topicgate's
// failures never let a request through.
func (s *Server) Check(ctx context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	s.metrics.Inflight(1)
	defer s.metrics.Inflight(-1)
	attrs := req.GetAttributes()
	if attrs.GetRequest().GetHttp() == nil {
		return nil, status.Error(codes.InvalidArgument, "the check has no HTTP request: topicgate guards HTTP only")
	}
	r, body := toRequest(attrs, s.newID)
	v := s.a.Authorize(ctx, r, body)
	if err := ctx.Err(); err != nil {
		// Envoy gave up (timeout) or went away: it already failed the check.
		return nil, status.FromContextError(err).Err()
	}
	if v.Denial != nil {
		return denied(v.Denial), nil
	}
	return allowed(v), nil
}
