package extproc

import (
	"sort"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/topicgate/topicgate/pkg/gateway"
)

// attributesKey is where Envoy puts the request_attributes it was asked to send.
const attributesKey = "envoy.filters.http.ext_proc"

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
// message and the attributes that came with it.
func toRequest(h *extprocv3.HttpHeaders, attrs map[string]*structpb.Struct, newID func() string) *gateway.Request {
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
	if a := attrs[attributesKey]; a != nil {
		req.Source = a.GetFields()["source.address"].GetStringValue()
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
