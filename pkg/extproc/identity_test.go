package extproc

import (
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
	"github.com/topicgate/topicgate/pkg/metrics"
)

// withAttributes sets the ext_proc filter's request_attributes.
func withAttributes(m *extprocv3.ProcessingRequest, kv map[string]any) *extprocv3.ProcessingRequest {
	s, err := structpb.NewStruct(kv)
	if err != nil {
		panic(err)
	}
	m.Attributes = map[string]*structpb.Struct{attributesKey: s}
	return m
}

// withMetadata sets the forwarded dynamic metadata of one namespace.
func withMetadata(m *extprocv3.ProcessingRequest, namespace string, kv map[string]any) *extprocv3.ProcessingRequest {
	s, err := structpb.NewStruct(kv)
	if err != nil {
		panic(err)
	}
	m.MetadataContext = &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{namespace: s}}
	return m
}

// The credentials are taken from the Authorization header, jwt_authn's
// forwarded metadata and the peer certificate's attributes, and from nowhere
// else.
func TestProcess_Credentials(t *testing.T) {
	claims := map[string]any{"iss": "https://idp.example.com", "sub": "alice", "exp": 1.7799e9, "groups": []any{"a", "b"}}
	peer := map[string]any{
		"source.address":                      "10.0.0.9:443",
		"connection.mtls":                     true,
		"connection.uri_san_peer_certificate": "spiffe://cluster.local/ns/shop/sa/orders-writer",
		"connection.dns_san_peer_certificate": "orders.shop.svc",
		"connection.subject_peer_certificate": "CN=orders-writer,O=shop",
	}
	tests := []struct {
		name string
		msg  *extprocv3.ProcessingRequest
		want identity.Credentials
	}{
		{name: "none", msg: headersMsg(true)},
		{name: "the Authorization header", msg: headersMsg(true, "Authorization", "Basic ZGVtbzpzM2NyZXQ="), want: identity.Credentials{Authorization: "Basic ZGVtbzpzM2NyZXQ="}},
		{
			name: "jwt_authn's verified claims, under their provider's key",
			msg:  withMetadata(headersMsg(true), jwtNamespace, map[string]any{"jwt_payload": claims}),
			want: identity.Credentials{JWT: map[string]any{"jwt_payload": claims}},
		},
		{
			name: "claims in another namespace are not JWT claims",
			msg:  withMetadata(headersMsg(true), "envoy.filters.http.header_to_metadata", map[string]any{"jwt_payload": claims}),
		},
		{
			name: "the peer certificate's attributes",
			msg:  withAttributes(headersMsg(true), peer),
			want: identity.Credentials{Peer: identity.Peer{
				URISAN: "spiffe://cluster.local/ns/shop/sa/orders-writer", DNSSAN: "orders.shop.svc", Subject: "CN=orders-writer,O=shop",
			}},
		},
		{
			name: "a client header named like an attribute is only a header",
			msg:  headersMsg(true, "connection.uri_san_peer_certificate", "spiffe://evil"),
		},
		{
			name: "all three",
			msg: withMetadata(withAttributes(headersMsg(true, "authorization", "Bearer x.y.z"), peer),
				jwtNamespace, map[string]any{"jwt_payload": claims}),
			want: identity.Credentials{
				Authorization: "Bearer x.y.z", JWT: map[string]any{"jwt_payload": claims},
				Peer: identity.Peer{URISAN: "spiffe://cluster.local/ns/shop/sa/orders-writer", DNSSAN: "orders.shop.svc", Subject: "CN=orders-writer,O=shop"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recorder{resp: &gateway.Response{Status: 204, Headers: map[string]string{}}}
			srv := NewServer(h, zap.NewNop(), metrics.New(), 1024, func() string { return "id" })
			if err := srv.Process(newStream(tt.msg)); err != nil {
				t.Fatal(err)
			}
			if len(h.reqs) != 1 {
				t.Fatalf("the handler got %d requests", len(h.reqs))
			}
			if diff := cmp.Diff(tt.want, h.reqs[0].Credentials); diff != "" {
				t.Errorf("credentials mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
