package extauthz

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
)

// partialBodyHeader is set by Envoy when it sent the request body: "true"
// when only its start (allow_partial_message), "false" when all of it.
// Envoy drops a client's own header of this name.
const partialBodyHeader = "x-envoy-auth-partial-body"

// toRequest builds the gateway's view of the checked request and its body.
// Header values come in `value` (the headers map); with Envoy's
// encode_raw_headers they come in header_map's raw_value instead.
func toRequest(attrs *authv3.AttributeContext, newID func() string) (*gateway.Request, gateway.Body) {
	h := attrs.GetRequest().GetHttp()
	hs := headers(h)
	partial, sent := hs[partialBodyHeader]
	delete(hs, partialBodyHeader)
	body := gateway.Body{Data: h.GetRawBody(), Sent: sent, Partial: partial == "true"}
	if len(body.Data) == 0 && h.GetBody() != "" {
		body.Data = []byte(h.GetBody())
	}
	// The header says whether Envoy sent the body, but only Envoy's word
	// counts: a body said to be whole must be as long as the request says.
	if n, err := strconv.Atoi(hs["content-length"]); err == nil && body.Sent && !body.Partial && n != len(body.Data) {
		body.Sent = false
	}
	req := &gateway.Request{
		ID:          hs["x-request-id"],
		Method:      h.GetMethod(),
		Path:        h.GetPath(), // with the query string
		Scheme:      h.GetScheme(),
		Authority:   h.GetHost(),
		Headers:     hs,
		Source:      address(attrs.GetSource().GetAddress()),
		EndOfStream: len(body.Data) == 0 && !declaresBody(hs),
	}
	if req.ID == "" {
		req.ID = newID()
	}
	req.Credentials = identity.Credentials{Authorization: hs["authorization"], Peer: peer(attrs.GetSource())}
	// Only Envoy's filters write dynamic metadata (forwarded with the
	// filter's metadata_context_namespaces), so these claims are the ones
	// jwt_authn verified; a client cannot forge them with headers.
	if ns := attrs.GetMetadataContext().GetFilterMetadata()[jwtNamespace]; ns != nil {
		req.Credentials.JWT = ns.AsMap()
	}
	return req, body
}

// jwtNamespace is where Envoy's jwt_authn filter writes verified claims.
const jwtNamespace = "envoy.filters.http.jwt_authn"

// peer is the verified client certificate's identity: read from the
// certificate Envoy sends with include_peer_certificate (URL-encoded PEM),
// else from the principal Envoy names (its URI SAN, else its subject).
func peer(src *authv3.AttributeContext_Peer) identity.Peer {
	if pemText, err := url.QueryUnescape(src.GetCertificate()); err == nil && pemText != "" {
		if block, _ := pem.Decode([]byte(pemText)); block != nil {
			if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
				p := identity.Peer{Subject: cert.Subject.String()}
				if len(cert.URIs) > 0 {
					p.URISAN = cert.URIs[0].String()
				}
				if len(cert.DNSNames) > 0 {
					p.DNSSAN = cert.DNSNames[0]
				}
				return p
			}
		}
	}
	switch principal := src.GetPrincipal(); {
	case principal == "":
		return identity.Peer{}
	case strings.Contains(principal, "://"):
		return identity.Peer{URISAN: principal}
	default:
		return identity.Peer{Subject: principal}
	}
}

// headers flattens the request headers, names lower-case; repeated names
// in header_map are joined with ",", as Envoy joins them in the map.
func headers(h *authv3.AttributeContext_HttpRequest) map[string]string {
	if m := h.GetHeaders(); len(m) > 0 {
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[strings.ToLower(k)] = v
		}
		return out
	}
	hs := h.GetHeaderMap().GetHeaders()
	out := make(map[string]string, len(hs))
	for _, e := range hs {
		v := string(e.GetRawValue())
		if v == "" {
			v = e.GetValue()
		}
		k := strings.ToLower(e.GetKey())
		if prev, ok := out[k]; ok {
			v = prev + "," + v
		}
		out[k] = v
	}
	return out
}

// declaresBody reports whether the request says it has a body.
func declaresBody(hs map[string]string) bool {
	if hs["transfer-encoding"] != "" {
		return true
	}
	n, err := strconv.ParseInt(hs["content-length"], 10, 64)
	return err == nil && n > 0
}

// address is the client's address as ip:port, as ext_proc's source.address.
func address(a *corev3.Address) string {
	if s := a.GetSocketAddress(); s != nil {
		return net.JoinHostPort(s.GetAddress(), strconv.FormatUint(uint64(s.GetPortValue()), 10))
	}
	return a.GetPipe().GetPath()
}

// allowed lets the request go on to the backend, with the verdict's headers
// on the request and on the backend's answer to the client.
func allowed(v gateway.Verdict) *authv3.CheckResponse {
	return &authv3.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(codes.OK)},
		HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{
			Headers:              headerOptions(v.Headers),
			ResponseHeadersToAdd: headerOptions(v.Headers),
		}},
	}
}

// denied answers the client with the gateway's response: status, headers
// and body in the API's error shape. Envoy sends it as it is (a local
// reply), with our content-type instead of its text/plain.
func denied(r *gateway.Response) *authv3.CheckResponse {
	return &authv3.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(grpcCode(r.Status)), Message: r.Details},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
			Headers: headerOptions(r.Headers),
			Body:    string(r.Body),
		}},
	}
}

// headerOptions sets each header in `value` (ext_authz ignores raw_value),
// replacing any the request or answer already has, in name order.
func headerOptions(hs map[string]string) []*corev3.HeaderValueOption {
	keys := make([]string, 0, len(hs))
	for k := range hs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*corev3.HeaderValueOption, len(keys))
	for i, k := range keys {
		out[i] = &corev3.HeaderValueOption{
			Header:       &corev3.HeaderValue{Key: k, Value: hs[k]},
			AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
		}
	}
	return out
}

// grpcCode is the gRPC status of a denial. Envoy denies on any code but OK
// and answers with the HTTP status; the code shows in its logs and stats.
func grpcCode(status int) codes.Code {
	switch {
	case status == 401:
		return codes.Unauthenticated
	case status == 403:
		return codes.PermissionDenied
	case status == 404:
		return codes.NotFound
	case status == 429:
		return codes.ResourceExhausted
	case status >= 500:
		return codes.Internal
	}
	return codes.InvalidArgument
}
