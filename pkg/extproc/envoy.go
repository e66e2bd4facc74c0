package extproc

import (
	"sort"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/topicgate/topicgate/pkg/gateway"
	"github.com/topicgate/topicgate/pkg/identity"
)

// attributesKey is where Envoy puts the request_attributes it was asked to send.
const attributesKey = "envoy.filters.http.ext_proc"

// jwtNamespace is the dynamic metadata namespace where Envoy's jwt_authn
// filter writes the claims it verified (each provider under its
// payload_in_metadata key). The filter's metadata_options must forward it.
const jwtNamespace = "envoy.filters.http.jwt_authn"

// The request_attributes that name the client certificate Envoy validated.
// They are absent on connections without one.
const (
	attrURISAN  = "connection.uri_san_peer_certificate"
	attrDNSSAN  = "connection.dns_san_peer_certificate"
	attrSubject = "connection.subject_peer_certificate"
)

// headerMap flattens Envoy's header map. Values come in raw_value (current
// Envoy) or value (old Envoy); repeated names are joined with ",".
func headerMap(hm *corev3.HeaderMap) map[string]string {
	hs := hm.GetHeaders()
	out := make(map[string]string, len(hs))
	for _, h := range hs {
		v := string(h.GetRawValue())
		if v == "" {
			v = h.GetValue()
		}
		k := strings.ToLower(h.GetKey())
		if prev, ok := out[k]; ok {
			v = prev + "," + v
		}
		out[k] = v
	}
	return out
}

// toRequest builds the gateway's view of the request from Envoy's headers
// message and the attributes and dynamic metadata that came with it.
func toRequest(msg *extprocv3.ProcessingRequest, newID func() string) *gateway.Request {
	h := msg.GetRequestHeaders()
	attrs := msg.GetAttributes()[attributesKey]
	hs := headerMap(h.GetHeaders())
	req := &gateway.Request{
		ID:          hs["x-request-id"],
		Method:      hs[":method"],
		Path:        hs[":path"],
		Scheme:      hs[":scheme"],
		Authority:   hs[":authority"],
		Headers:     hs,
		EndOfStream: h.GetEndOfStream(),
	}
	if req.ID == "" {
		req.ID = newID()
	}
	fields := attrs.GetFields()
	req.Source = fields["source.address"].GetStringValue()
	req.Credentials = identity.Credentials{
		Authorization: hs["authorization"],
		Peer: identity.Peer{
			URISAN:  fields[attrURISAN].GetStringValue(),
			DNSSAN:  fields[attrDNSSAN].GetStringValue(),
			Subject: fields[attrSubject].GetStringValue(),
		},
	}
	// Only Envoy's filters write dynamic metadata, so these claims are the
	// ones jwt_authn verified; a client cannot forge them with headers.
	if ns := msg.GetMetadataContext().GetFilterMetadata()[jwtNamespace]; ns != nil {
		req.Credentials.JWT = ns.AsMap()
	}
	return req
}

// immediate builds the ImmediateResponse that answers the client. Headers go
// in raw_value, and content-type overwrites Envoy's text/plain default
// because append is left unset.
func immediate(r *gateway.Response) *extprocv3.ProcessingResponse {
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := make([]*corev3.HeaderValueOption, len(keys))
	for i, k := range keys {
		set[i] = &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: k, RawValue: []byte(r.Headers[k])}}
	}
	return &extprocv3.ProcessingResponse{
		Response: &extprocv3.ProcessingResponse_ImmediateResponse{
			ImmediateResponse: &extprocv3.ImmediateResponse{
				Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
				Headers: &extprocv3.HeaderMutation{SetHeaders: set},
				Body:    r.Body,
				Details: r.Details,
			},
		},
	}
}
