package extproc

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/kafka"
	"github.com/topicgate/topicgate/pkg/metrics"
	"github.com/topicgate/topicgate/pkg/policy"
)

// fakeStream is Envoy's side of one ext_proc stream: Recv returns the
// scripted messages, then recvErr (io.EOF by default); Send records.
type fakeStream struct {
	grpc.ServerStream // unused methods panic
	ctx               context.Context
	in                []*extprocv3.ProcessingRequest
	recvErr           error
	sendErr           error
	sent              []*extprocv3.ProcessingResponse
}

func newStream(msgs ...*extprocv3.ProcessingRequest) *fakeStream {
	return &fakeStream{ctx: context.Background(), in: msgs}
}

func (s *fakeStream) Context() context.Context { return s.ctx }

func (s *fakeStream) Recv() (*extprocv3.ProcessingRequest, error) {
	if len(s.in) == 0 {
		if s.recvErr != nil {
			return nil, s.recvErr
		}
		return nil, io.EOF
	}
	m := s.in[0]
	s.in = s.in[1:]
	return m, nil
}

func (s *fakeStream) Send(r *extprocv3.ProcessingResponse) error {
	if s.sendErr != nil {
		return s.sendErr
	}
	s.sent = append(s.sent, r)
	return nil
}

// headersMsg is a request_headers message; values go in raw_value.
func headersMsg(eos bool, kv ...string) *extprocv3.ProcessingRequest {
	hm := &corev3.HeaderMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		hm.Headers = append(hm.Headers, &corev3.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])})
	}
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
		RequestHeaders: &extprocv3.HttpHeaders{Headers: hm, EndOfStream: eos},
	}}
}

func bodyMsg(body string, eos bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
		RequestBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: eos},
	}}
}

func withSource(m *extprocv3.ProcessingRequest, addr string) *extprocv3.ProcessingRequest {
	m.Attributes = map[string]*structpb.Struct{attributesKey: {Fields: map[string]*structpb.Value{
		"source.address": structpb.NewStringValue(addr),
	}}}
	return m
}

// recorder is a Handler that records what it is given.
type recorder struct {
	mu     sync.Mutex
	reqs   []*gateway.Request
	bodies [][]byte
	resp   *gateway.Response // nil: ask for the body
}

func (h *recorder) Headers(_ context.Context, req *gateway.Request) (*gateway.Response, gateway.BodyFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, req)
	if h.resp != nil {
		return h.resp, nil
	}
	return nil, func(_ context.Context, body []byte) *gateway.Response {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.bodies = append(h.bodies, body)
		return &gateway.Response{Status: 200, Headers: map[string]string{}, Body: []byte("{}"), Details: "topicgate"}
	}
}

// memCluster is a one-topic cluster that acknowledges every record.
type memCluster struct {
	mu       sync.Mutex
	produced []kafka.Message
}

var ackTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func (c *memCluster) Name() string { return "default" }
func (c *memCluster) ID() string   { return "lkc-1" }
func (c *memCluster) Describe(context.Context) (kafka.ClusterInfo, error) {
	return kafka.ClusterInfo{ID: "lkc-1", ControllerID: 1}, nil
}
func (c *memCluster) Topics(ctx context.Context) ([]kafka.TopicInfo, error) {
	t, _ := c.Topic(ctx, "orders")
	return []kafka.TopicInfo{t}, nil
}
func (c *memCluster) Topic(context.Context, string) (kafka.TopicInfo, error) {
	return kafka.TopicInfo{Name: "orders", ReplicationFactor: 1, Partitions: []kafka.PartitionInfo{{ID: 0, Leader: 1}}}, nil
}
func (c *memCluster) Produce(_ context.Context, msgs []kafka.Message) []kafka.Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]kafka.Delivery, len(msgs))
	for i, m := range msgs {
		c.produced = append(c.produced, m)
		out[i] = kafka.Delivery{Partition: 0, Offset: int64(len(c.produced) - 1), Timestamp: ackTime}
	}
	return out
}

func (c *memCluster) Send(_ context.Context, msgs []kafka.Message) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.produced = append(c.produced, msgs...)
	return len(msgs), nil
}

type anonymous struct{}

func (anonymous) Authenticate(identity.Credentials) (identity.Caller, error) {
	return identity.Caller{Principal: identity.Anonymous}, nil
}

func (anonymous) Challenge() string { return `Basic realm="topicgate"` }

type allowAll struct{}

func (allowAll) Decide(context.Context, *policy.Input) policy.Decision {
	return policy.Decision{ID: "d-1", Allow: true}
}

// newGatewayServer is a Server over the real gateway, with maxBody as the
// body limit of both.
func newGatewayServer(tb testing.TB, maxBody int) (*Server, *memCluster) {
	tb.Helper()
	c := &memCluster{}
	g := gateway.New(gateway.Options{
		Clusters: []gateway.Cluster{c}, Auth: anonymous{}, Policy: allowAll{},
		Log: zap.NewNop(), Metrics: metrics.New(),
		MaxBodyBytes: maxBody, MaxRecords: 10, ProduceTimeout: time.Second,
	})
	return NewServer(g, zap.NewNop(), metrics.New(), maxBody, func() string { return "generated-id" }), c
}
