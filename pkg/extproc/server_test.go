package extproc

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// immediateResp is the ImmediateResponse the server should send.
func immediateResp(code int, body string, kv ...string) *extprocv3.ProcessingResponse {
	var set []*corev3.HeaderValueOption
	for i := 0; i+1 < len(kv); i += 2 {
		set = append(set, &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])}})
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{
		ImmediateResponse: &extprocv3.ImmediateResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(code)},
			Headers: &extprocv3.HeaderMutation{SetHeaders: set},
			Body:    []byte(body),
			Details: "topicgate",
		},
	}}
}

var bufferedBody = &extprocv3.ProcessingResponse{
	Response:     &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{}},
	ModeOverride: &filterv3.ProcessingMode{RequestBodyMode: filterv3.ProcessingMode_BUFFERED},
}

func mustJSON(b []byte, err error) string {
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestProcess_WithGateway(t *testing.T) {
	get := func(path string, kv ...string) *extprocv3.ProcessingRequest {
		return headersMsg(true, append([]string{":method", "GET", ":path", path, ":scheme", "https", ":authority", "gw.example.com", "x-request-id", "rid-1"}, kv...)...)
	}
	produce := func(kv ...string) *extprocv3.ProcessingRequest {
		return headersMsg(false, append([]string{":method", "POST", ":path", "/kafka/v3/clusters/lkc-1/topics/orders/records", ":scheme", "https",
			":authority", "gw.example.com", "x-request-id", "rid-2", "content-type", "application/json"}, kv...)...)
	}
	links := kafkarest.NewLinks("https", "gw.example.com", "/kafka/v3")
	delivered := `{"error_code":200,"cluster_id":"lkc-1","topic_name":"orders","partition_id":0,"offset":0,"timestamp":"2024-05-01T12:00:00Z","value":{"type":"STRING","size":2}}`
	tests := []struct {
		name     string
		in       []*extprocv3.ProcessingRequest
		want     []*extprocv3.ProcessingResponse
		produced []string // values Kafka got
	}{
		{
			name: "a GET is answered at once",
			in:   []*extprocv3.ProcessingRequest{get("/kafka/v3/clusters/lkc-1")},
			want: []*extprocv3.ProcessingResponse{immediateResp(200, mustJSON(links.Cluster(kafkarest.Cluster{ID: "lkc-1", ControllerID: 1})),
				"content-type", "application/json", "x-request-id", "rid-1", "x-topicgate-decision-id", "d-1")},
		},
		{
			name: "an unknown path is a 404 in the v3 envelope",
			in:   []*extprocv3.ProcessingRequest{get("/kafka/v3/nope")},
			want: []*extprocv3.ProcessingResponse{func() *extprocv3.ProcessingResponse {
				r := immediateResp(404, `{"error_code":404,"message":"HTTP 404 Not Found"}`, "content-type", "application/json", "x-request-id", "rid-1")
				r.GetImmediateResponse().Details = "topicgate_error"
				return r
			}()},
		},
		{
			name: "a produce asks for the buffered body, then answers",
			in:   []*extprocv3.ProcessingRequest{produce(), bodyMsg(`{"value":{"type":"STRING","data":"ok"}}`, true)},
			want: []*extprocv3.ProcessingResponse{bufferedBody,
				immediateResp(200, delivered, "content-type", "application/json", "x-request-id", "rid-2", "x-topicgate-decision-id", "d-1")},
			produced: []string{"ok"},
		},
		{
			name: "a body in two chunks is concatenated",
			in: []*extprocv3.ProcessingRequest{produce(),
				bodyMsg(`{"value":{"type":"STR`, false), bodyMsg(`ING","data":"ok"}}`, true)},
			want: []*extprocv3.ProcessingResponse{bufferedBody,
				immediateResp(200, delivered, "content-type", "application/json", "x-request-id", "rid-2", "x-topicgate-decision-id", "d-1")},
			produced: []string{"ok"},
		},
		{
			name: "a body over the limit is refused",
			in: []*extprocv3.ProcessingRequest{produce(),
				bodyMsg(`{"value":{"type":"STRING","data":"`+strings.Repeat("x", 40), false), bodyMsg(strings.Repeat("x", 40)+`"}}`, true)},
			want: []*extprocv3.ProcessingResponse{bufferedBody, func() *extprocv3.ProcessingResponse {
				r := immediateResp(413, `{"error_code":413,"message":"The request body exceeds the gateway's limit of 64 bytes."}`,
					"content-type", "application/json", "x-request-id", "rid-2", "x-topicgate-decision-id", "d-1")
				r.GetImmediateResponse().Details = "topicgate_error"
				return r
			}()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cluster := newGatewayServer(t, 64)
			stream := newStream(tt.in...)
			if err := srv.Process(stream); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if diff := cmp.Diff(tt.want, stream.sent, protocmp.Transform()); diff != "" {
				t.Errorf("responses mismatch (-want +got):\n%s", diff)
			}
			var values []string
			for _, m := range cluster.produced {
				values = append(values, string(m.Value))
			}
			if diff := cmp.Diff(tt.produced, values); diff != "" {
				t.Errorf("produced values mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcess_ProtocolErrors(t *testing.T) {
	tests := []struct {
		name     string
		handler  *recorder
		stream   *fakeStream
		wantCode codes.Code // codes.OK: Process returns nil
		wantSent int
	}{
		{
			name: "a body nobody asked for", handler: &recorder{},
			stream: newStream(bodyMsg("{}", true)), wantCode: codes.FailedPrecondition,
		},
		{
			name: "a body after an immediate response", handler: &recorder{resp: &gateway.Response{Status: 200, Headers: map[string]string{}}},
			stream: newStream(headersMsg(true, ":method", "GET"), bodyMsg("{}", true)), wantCode: codes.FailedPrecondition, wantSent: 1,
		},
		{
			name: "an empty message", handler: &recorder{},
			stream: newStream(&extprocv3.ProcessingRequest{}), wantCode: codes.InvalidArgument,
		},
		{
			name: "Envoy cancels the stream", handler: &recorder{},
			stream: &fakeStream{ctx: context.Background(), recvErr: status.Error(codes.Canceled, "gone")}, wantCode: codes.OK,
		},
		{
			name: "a broken stream", handler: &recorder{},
			stream: &fakeStream{ctx: context.Background(), recvErr: status.Error(codes.Unavailable, "reset")}, wantCode: codes.Unavailable,
		},
		{
			name: "Send fails", handler: &recorder{resp: &gateway.Response{Status: 200, Headers: map[string]string{}}},
			stream:   &fakeStream{ctx: context.Background(), in: []*extprocv3.ProcessingRequest{headersMsg(true)}, sendErr: status.Error(codes.Unavailable, "send")},
			wantCode: codes.Unavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(tt.handler, zap.NewNop(), metrics.New(), 1024, func() string { return "id" })
			err := srv.Process(tt.stream)
			if got := status.Code(err); got != tt.wantCode {
				t.Fatalf("Process = %v (code %v), want code %v", err, got, tt.wantCode)
			}
			if len(tt.stream.sent) != tt.wantSent {
				t.Errorf("%d responses sent, want %d", len(tt.stream.sent), tt.wantSent)
			}
		})
	}
}

func TestProcess_PassesOtherPhasesThrough(t *testing.T) {
	in := []*extprocv3.ProcessingRequest{
		{Request: &extprocv3.ProcessingRequest_RequestTrailers{RequestTrailers: &extprocv3.HttpTrailers{}}},
		{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{}}},
		{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{}}},
		{Request: &extprocv3.ProcessingRequest_ResponseTrailers{ResponseTrailers: &extprocv3.HttpTrailers{}}},
	}
	want := []*extprocv3.ProcessingResponse{
		{Response: &extprocv3.ProcessingResponse_RequestTrailers{RequestTrailers: &extprocv3.TrailersResponse{}}},
		{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{}}},
		{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{}}},
		{Response: &extprocv3.ProcessingResponse_ResponseTrailers{ResponseTrailers: &extprocv3.TrailersResponse{}}},
	}
	stream := newStream(in...)
	if err := NewServer(&recorder{}, zap.NewNop(), nil, 1024, func() string { return "id" }).Process(stream); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stream.sent, protocmp.Transform()); diff != "" {
		t.Errorf("responses mismatch (-want +got):\n%s", diff)
	}
}

func TestProcess_BuildsTheRequest(t *testing.T) {
	valueOnly := headersMsg(true, ":method", "GET", ":path", "/v3/clusters")
	valueOnly.GetRequestHeaders().Headers.Headers = append(valueOnly.GetRequestHeaders().Headers.Headers,
		&corev3.HeaderValue{Key: "X-Old-Envoy", Value: "from value"},
		&corev3.HeaderValue{Key: "x-both", Value: "ignored", RawValue: []byte("raw wins")})
	tests := []struct {
		name string
		msg  *extprocv3.ProcessingRequest
		want *gateway.Request
	}{
		{
			name: "pseudo-headers, request id and source address",
			msg: withSource(headersMsg(true, ":method", "GET", ":path", "/kafka/v3/clusters?x=1", ":scheme", "https",
				":authority", "gw:8443", "x-request-id", "rid-7"), "10.1.2.3:4567"),
			want: &gateway.Request{ID: "rid-7", Method: "GET", Path: "/kafka/v3/clusters?x=1", Scheme: "https", Authority: "gw:8443",
				Source: "10.1.2.3:4567", EndOfStream: true,
				Headers: map[string]string{":method": "GET", ":path": "/kafka/v3/clusters?x=1", ":scheme": "https", ":authority": "gw:8443", "x-request-id": "rid-7"}},
		},
		{
			name: "a missing request id is generated",
			msg:  headersMsg(false, ":method", "POST", "Content-Type", "application/json"),
			want: &gateway.Request{ID: "generated-id", Method: "POST",
				Headers: map[string]string{":method": "POST", "content-type": "application/json"}},
		},
		{
			name: "repeated headers are joined, names lower-cased",
			msg:  headersMsg(true, "Accept", "a/b", "accept", "c/d"),
			want: &gateway.Request{ID: "generated-id", EndOfStream: true, Headers: map[string]string{"accept": "a/b,c/d"}},
		},
		{
			name: "value is read when raw_value is empty",
			msg:  valueOnly,
			want: &gateway.Request{ID: "generated-id", Method: "GET", Path: "/v3/clusters", EndOfStream: true,
				Headers: map[string]string{":method": "GET", ":path": "/v3/clusters", "x-old-envoy": "from value", "x-both": "raw wins"}},
		},
		{
			name: "attributes of another filter are ignored",
			msg: func() *extprocv3.ProcessingRequest {
				m := withSource(headersMsg(true), "10.1.2.3:4567")
				m.Attributes["other.filter"] = m.Attributes[attributesKey]
				delete(m.Attributes, attributesKey)
				return m
			}(),
			want: &gateway.Request{ID: "generated-id", EndOfStream: true, Headers: map[string]string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recorder{resp: &gateway.Response{Status: 204, Headers: map[string]string{}}}
			srv := NewServer(h, zap.NewNop(), metrics.New(), 1024, func() string { return "generated-id" })
			if err := srv.Process(newStream(tt.msg)); err != nil {
				t.Fatal(err)
			}
			if len(h.reqs) != 1 {
				t.Fatalf("the handler got %d requests", len(h.reqs))
			}
			if diff := cmp.Diff(tt.want, h.reqs[0]); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcess_KeepsOneByteOverTheLimit(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   int // bytes the BodyFunc gets
	}{
		{name: "under the limit", chunks: []string{"12345", "678"}, want: 8},
		{name: "at the limit", chunks: []string{"1234567890"}, want: 10},
		{name: "over the limit in one chunk", chunks: []string{strings.Repeat("x", 100)}, want: 11},
		{name: "over the limit across chunks", chunks: []string{"123456", "789012", "345"}, want: 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recorder{}
			msgs := []*extprocv3.ProcessingRequest{headersMsg(false, ":method", "POST")}
			for i, c := range tt.chunks {
				msgs = append(msgs, bodyMsg(c, i == len(tt.chunks)-1))
			}
			if err := NewServer(h, zap.NewNop(), nil, 10, func() string { return "id" }).Process(newStream(msgs...)); err != nil {
				t.Fatal(err)
			}
			if len(h.bodies) != 1 || len(h.bodies[0]) != tt.want {
				t.Fatalf("bodies %q, want one of %d bytes", h.bodies, tt.want)
			}
			if joined := strings.Join(tt.chunks, ""); !strings.HasPrefix(joined, string(h.bodies[0])) {
				t.Errorf("body %q is not a prefix of what was sent", h.bodies[0])
			}
		})
	}
}

func TestProcess_UsesTheStreamContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got error
	h := handlerFunc(func(c context.Context, _ *gateway.Request) (*gateway.Response, gateway.BodyFunc) {
		got = c.Err()
		return &gateway.Response{Status: 200, Headers: map[string]string{}}, nil
	})
	stream := newStream(headersMsg(true))
	stream.ctx = ctx
	if err := NewServer(h, zap.NewNop(), nil, 10, func() string { return "id" }).Process(stream); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(got, context.Canceled) {
		t.Errorf("the handler's context error is %v, want the stream's (canceled)", got)
	}
}

type handlerFunc func(context.Context, *gateway.Request) (*gateway.Response, gateway.BodyFunc)

func (f handlerFunc) Headers(ctx context.Context, r *gateway.Request) (*gateway.Response, gateway.BodyFunc) {
	return f(ctx, r)
}

func BenchmarkProcessGET(b *testing.B) {
	srv, _ := newGatewayServer(b, 1<<20)
	msg := headersMsg(true, ":method", "GET", ":path", "/kafka/v3/clusters/lkc-1/topics/orders", ":scheme", "http",
		":authority", "127.0.0.1:8080", "x-request-id", "bench")
	b.ReportAllocs()
	for b.Loop() {
		stream := newStream(msg)
		if err := srv.Process(stream); err != nil || len(stream.sent) != 1 {
			b.Fatalf("Process = %v, %d responses", err, len(stream.sent))
		}
	}
}
