package extauthz

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/google/go-cmp/cmp"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
)

// fakeGateway records what it was asked and answers verdict.
type fakeGateway struct {
	verdict gateway.Verdict
	req     *gateway.Request
	body    gateway.Body
}

func (f *fakeGateway) Authorize(_ context.Context, req *gateway.Request, body gateway.Body) gateway.Verdict {
	f.req, f.body = req, body
	return f.verdict
}

func newID() string { return "made-up-id" }

// check builds a CheckRequest for an HTTP request from 10.1.2.3:4567.
func check(h *authv3.AttributeContext_HttpRequest) *authv3.CheckRequest {
	return &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Source: &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
			SocketAddress: &corev3.SocketAddress{Address: "10.1.2.3", PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 4567}},
		}}},
		Request: &authv3.AttributeContext_Request{Http: h},
	}}
}

func TestCheck_TranslatesTheRequest(t *testing.T) {
	tests := []struct {
		name     string
		http     *authv3.AttributeContext_HttpRequest
		wantReq  *gateway.Request
		wantBody gateway.Body
	}{
		{
			name: "a GET: headers from the map, the query kept, the id from x-request-id",
			http: &authv3.AttributeContext_HttpRequest{
				Method: "GET", Path: "/topics/orders?x=1", Host: "gw.example.com", Scheme: "https",
				Headers: map[string]string{":path": "/topics/orders?x=1", "authorization": "Basic eDp5", "x-request-id": "rid-1"},
			},
			wantReq: &gateway.Request{
				ID: "rid-1", Method: "GET", Path: "/topics/orders?x=1", Scheme: "https", Authority: "gw.example.com",
				Headers:     map[string]string{":path": "/topics/orders?x=1", "authorization": "Basic eDp5", "x-request-id": "rid-1"},
				Source:      "10.1.2.3:4567",
				EndOfStream: true,
				Credentials: identity.Credentials{Authorization: "Basic eDp5"},
			},
		},
		{
			name: "a produce with its body in raw_body; Envoy's partial-body header is not the client's",
			http: &authv3.AttributeContext_HttpRequest{
				Method: "POST", Path: "/topics/orders",
				Headers: map[string]string{"content-length": "2", "x-envoy-auth-partial-body": "false"},
				RawBody: []byte("{}"),
			},
			wantReq: &gateway.Request{
				ID: "made-up-id", Method: "POST", Path: "/topics/orders",
				Headers: map[string]string{"content-length": "2"}, Source: "10.1.2.3:4567",
			},
			wantBody: gateway.Body{Data: []byte("{}"), Sent: true},
		},
		{
			name: "a body in the string field, cut short",
			http: &authv3.AttributeContext_HttpRequest{
				Method: "POST", Path: "/topics/orders",
				Headers: map[string]string{"transfer-encoding": "chunked", "x-envoy-auth-partial-body": "true"},
				Body:    "{\"rec",
			},
			wantReq: &gateway.Request{
				ID: "made-up-id", Method: "POST", Path: "/topics/orders",
				Headers: map[string]string{"transfer-encoding": "chunked"}, Source: "10.1.2.3:4567",
			},
			wantBody: gateway.Body{Data: []byte("{\"rec"), Sent: true, Partial: true},
		},
		{
			name: "a declared body Envoy did not send",
			http: &authv3.AttributeContext_HttpRequest{
				Method: "POST", Path: "/topics/orders", Headers: map[string]string{"content-length": "20"},
			},
			wantReq: &gateway.Request{
				ID: "made-up-id", Method: "POST", Path: "/topics/orders",
				Headers: map[string]string{"content-length": "20"}, Source: "10.1.2.3:4567",
			},
		},
		{
			name: "raw headers (encode_raw_headers): raw_value, repeated names joined",
			http: &authv3.AttributeContext_HttpRequest{
				Method: "GET", Path: "/topics",
				HeaderMap: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
					{Key: "Accept", RawValue: []byte("a/b")}, {Key: "accept", RawValue: []byte("c/d")}, {Key: "x-old", Value: "v"},
				}},
			},
			wantReq: &gateway.Request{
				ID: "made-up-id", Method: "GET", Path: "/topics",
				Headers: map[string]string{"accept": "a/b,c/d", "x-old": "v"}, Source: "10.1.2.3:4567", EndOfStream: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeGateway{}
			if _, err := NewServer(f, nil, newID).Check(context.Background(), check(tt.http)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantReq, f.req); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantBody, f.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddress(t *testing.T) {
	v6 := &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: "::1", PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 80},
	}}}
	pipe := &corev3.Address{Address: &corev3.Address_Pipe{Pipe: &corev3.Pipe{Path: "/run/envoy.sock"}}}
	for _, tt := range []struct {
		a    *corev3.Address
		want string
	}{{v6, "[::1]:80"}, {pipe, "/run/envoy.sock"}, {nil, ""}} {
		if got := address(tt.a); got != tt.want {
			t.Errorf("address(%v) = %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestCheck_Answers(t *testing.T) {
	overwrite := corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD
	tests := []struct {
		name    string
		verdict gateway.Verdict
		want    *authv3.CheckResponse
	}{
		{
			name:    "allowed: the decision id to the backend and to the client",
			verdict: gateway.Verdict{Headers: map[string]string{"x-topicgate-decision-id": "d-1"}},
			want: &authv3.CheckResponse{
				Status: &rpcstatus.Status{Code: int32(codes.OK)},
				HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{
					Headers:              []*corev3.HeaderValueOption{{Header: &corev3.HeaderValue{Key: "x-topicgate-decision-id", Value: "d-1"}, AppendAction: overwrite}},
					ResponseHeadersToAdd: []*corev3.HeaderValueOption{{Header: &corev3.HeaderValue{Key: "x-topicgate-decision-id", Value: "d-1"}, AppendAction: overwrite}},
				}},
			},
		},
		{
			name:    "allowed without a decision (a public endpoint)",
			verdict: gateway.Verdict{},
			want: &authv3.CheckResponse{
				Status:       &rpcstatus.Status{Code: int32(codes.OK)},
				HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{}},
			},
		},
		{
			name: "denied: the gateway's answer, headers in value",
			verdict: gateway.Verdict{Denial: &gateway.Response{
				Status:  401,
				Headers: map[string]string{"content-type": "application/json", "www-authenticate": `Basic realm="topicgate"`},
				Body:    []byte(`{"error_code":40101,"message":"Authentication failed"}`),
				Details: "topicgate_error",
			}},
			want: &authv3.CheckResponse{
				Status: &rpcstatus.Status{Code: int32(codes.Unauthenticated), Message: "topicgate_error"},
				HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
					Status: &typev3.HttpStatus{Code: typev3.StatusCode_Unauthorized},
					Headers: []*corev3.HeaderValueOption{
						{Header: &corev3.HeaderValue{Key: "content-type", Value: "application/json"}, AppendAction: overwrite},
						{Header: &corev3.HeaderValue{Key: "www-authenticate", Value: `Basic realm="topicgate"`}, AppendAction: overwrite},
					},
					Body: `{"error_code":40101,"message":"Authentication failed"}`,
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(&fakeGateway{verdict: tt.verdict}, nil, newID)
			got, err := s.Check(context.Background(), check(&authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/topics"}))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGRPCCode(t *testing.T) {
	for status, want := range map[int]codes.Code{
		400: codes.InvalidArgument, 401: codes.Unauthenticated, 403: codes.PermissionDenied, 404: codes.NotFound,
		413: codes.InvalidArgument, 429: codes.ResourceExhausted, 500: codes.Internal, 503: codes.Internal,
	} {
		if got := grpcCode(status); got != want {
			t.Errorf("grpcCode(%d) = %v, want %v", status, got, want)
		}
	}
}

// What topicgate cannot check is a gRPC error, never an OK: Envoy, failing
// closed, refuses the request.
func TestCheck_FailsClosed(t *testing.T) {
	allow := &fakeGateway{}
	s := NewServer(allow, nil, newID)
	if resp, err := s.Check(context.Background(), &authv3.CheckRequest{}); status.Code(err) != codes.InvalidArgument || resp != nil {
		t.Errorf("a check without HTTP attributes: %v, %v", resp, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := s.Check(ctx, check(&authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/topics"}))
	if status.Code(err) != codes.Canceled || resp != nil {
		t.Errorf("a check Envoy gave up on: %v, %v", resp, err)
	}
}

// The identities Envoy verified reach the gateway as in ext_proc: the
// claims jwt_authn wrote to its metadata namespace, and the client
// certificate Envoy sends (include_peer_certificate), else the principal it
// names.
func TestCheck_Identity(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spiffe, _ := url.Parse("spiffe://cluster.local/ns/shop/sa/orders-writer")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "orders-writer", Organization: []string{"shop"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		URIs: []*url.URL{spiffe}, DNSNames: []string{"writer.shop.svc"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := url.QueryEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	claims, err := structpb.NewStruct(map[string]any{"jwt_payload": map[string]any{"sub": "alice", "groups": []any{"ops"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*authv3.CheckRequest)
		want identity.Credentials
	}{
		{
			name: "certificate and claims",
			edit: func(r *authv3.CheckRequest) {
				r.Attributes.Source.Certificate = certPEM
				r.Attributes.Source.Principal = "ignored when the certificate is there"
				r.Attributes.MetadataContext = &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{"envoy.filters.http.jwt_authn": claims}}
			},
			want: identity.Credentials{
				JWT:  map[string]any{"jwt_payload": map[string]any{"sub": "alice", "groups": []any{"ops"}}},
				Peer: identity.Peer{URISAN: spiffe.String(), DNSSAN: "writer.shop.svc", Subject: "CN=orders-writer,O=shop"},
			},
		},
		{
			name: "a SPIFFE principal without the certificate",
			edit: func(r *authv3.CheckRequest) { r.Attributes.Source.Principal = spiffe.String() },
			want: identity.Credentials{Peer: identity.Peer{URISAN: spiffe.String()}},
		},
		{
			name: "a subject principal",
			edit: func(r *authv3.CheckRequest) { r.Attributes.Source.Principal = "CN=orders-writer,O=shop" },
			want: identity.Credentials{Peer: identity.Peer{Subject: "CN=orders-writer,O=shop"}},
		},
		{name: "neither", edit: func(*authv3.CheckRequest) {}, want: identity.Credentials{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := check(&authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/topics"})
			tt.edit(r)
			f := &fakeGateway{}
			if _, err := NewServer(f, nil, newID).Check(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.req.Credentials); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

// A client cannot pass a body off as sent by Envoy: a whole body must be as
// long as the request's Content-Length.
func TestCheck_PartialBodyHeaderFromTheClient(t *testing.T) {
	f := &fakeGateway{}
	r := check(&authv3.AttributeContext_HttpRequest{Method: "POST", Path: "/consumers/g/instances/c/offsets",
		Headers: map[string]string{"content-length": "40", "x-envoy-auth-partial-body": "false"}})
	if _, err := NewServer(f, nil, newID).Check(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if f.body.Sent {
		t.Errorf("body %+v taken as sent: Envoy sent none of the 40 bytes declared", f.body)
	}
}
