// Package extproc speaks Envoy's external processing protocol
// (envoy.service.ext_proc.v3). It only translates: one gRPC stream per HTTP
// request in, gateway calls, ImmediateResponses out. The decisions live in
// pkg/gateway.
package extproc

import (
	"context"
	"errors"
	"io"

	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// Handler is what the server needs of the gateway.
type Handler interface {
	Headers(ctx context.Context, req *gateway.Request) (*gateway.Response, gateway.BodyFunc)
}

var _ Handler = (*gateway.Gateway)(nil)

// Server implements ExternalProcessor.
type Server struct {
	extprocv3.UnimplementedExternalProcessorServer
	h            Handler
	log          *zap.Logger
	metrics      *metrics.Metrics
	maxBodyBytes int
	newID        func() string
}

// NewServer returns a Server. maxBodyBytes bounds the body it accumulates.
func NewServer(h Handler, log *zap.Logger, m *metrics.Metrics, maxBodyBytes int, newID func() string) *Server {
	return &Server{h: h, log: log, metrics: m, maxBodyBytes: maxBodyBytes, newID: newID}
}

// bufferBody asks Envoy for the whole request body in one message. It needs
// allow_mode_override on the filter; without it Envoy routes on and the
// fallback route says so.
var bufferBody = &filterv3.ProcessingMode{RequestBodyMode: filterv3.ProcessingMode_BUFFERED}

// Process handles one HTTP request. It never ends the stream cleanly before
// answering: a clean close tells Envoy to go on without us, which would fail
// open. Errors end the stream with a gRPC error, and Envoy (with
// failure_mode_allow false) answers 500.
func (s *Server) Process(stream extprocv3.ExternalProcessor_ProcessServer) error {
	ctx := stream.Context()
	s.metrics.Inflight(1)
	defer s.metrics.Inflight(-1)
	var (
		next gateway.BodyFunc
		body []byte
	)
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) || status.Code(err) == codes.Canceled {
			return nil // Envoy is done with this request
		}
		if err != nil {
			return err
		}
		var resp *extprocv3.ProcessingResponse
		switch v := msg.GetRequest().(type) {
		case *extprocv3.ProcessingRequest_RequestHeaders:
			req := toRequest(msg, s.newID)
			var r *gateway.Response
			r, next = s.h.Headers(ctx, req)
			if r != nil {
				resp = immediate(r)
			} else {
				resp = &extprocv3.ProcessingResponse{
					Response:     &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{}},
					ModeOverride: bufferBody,
				}
			}
		case *extprocv3.ProcessingRequest_RequestBody:
			if next == nil {
				return status.Error(codes.FailedPrecondition, "request body sent for a request that did not ask for one")
			}
			// Keep at most one byte past the limit: enough for the gateway
			// to refuse the body, without holding all of an oversize one.
			chunk := v.RequestBody.GetBody()
			if room := s.maxBodyBytes + 1 - len(body); len(chunk) > room {
				chunk = chunk[:max(room, 0)]
			}
			body = append(body, chunk...)
			if !v.RequestBody.GetEndOfStream() {
				continue
			}
			resp = immediate(next(ctx, body))
		case *extprocv3.ProcessingRequest_RequestTrailers:
			resp = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestTrailers{RequestTrailers: &extprocv3.TrailersResponse{}}}
		case *extprocv3.ProcessingRequest_ResponseHeaders:
			resp = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{}}}
		case *extprocv3.ProcessingRequest_ResponseBody:
			resp = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{}}}
		case *extprocv3.ProcessingRequest_ResponseTrailers:
			resp = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseTrailers{ResponseTrailers: &extprocv3.TrailersResponse{}}}
		default:
			return status.Errorf(codes.InvalidArgument, "unknown ext_proc message %T", v)
		}
		if err := stream.Send(resp); err != nil {
			s.log.Debug("sending to Envoy failed", zap.Error(err))
			return err
		}
	}
}
