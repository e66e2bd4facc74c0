package gateway

import (
	"strings"

	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/policy"
)

// reservedHeaders are answer headers topicgate alone sets: a decision's
// headers never replace them.
var reservedHeaders = map[string]bool{
	"content-type":            true,
	"content-length":          true,
	"x-request-id":            true,
	"x-topicgate-decision-id": true,
	nextOffsetHeader:          true,
	"location":                true,
}

// decisionHeaders are the headers a decision adds to the answer: names in
// lower case, without topicgate's own (reservedHeaders) and without names or
// values HTTP cannot carry, which are dropped with a warning.
func (c *call) decisionHeaders(d *policy.Decision) map[string]string {
	if len(d.Headers) == 0 {
		return nil
	}
	out := make(map[string]string, len(d.Headers))
	for k, v := range d.Headers {
		name := strings.ToLower(k)
		if reservedHeaders[name] || !headerToken(name) || !headerValue(v) {
			c.log.Warn("decision header dropped: reserved or not a valid header", zap.String("decision_id", d.ID), zap.String("header", k))
			continue
		}
		out[name] = v
	}
	return out
}

// headerToken reports whether s is an HTTP field name (RFC 9110 token).
// Pseudo-headers (":status") are not.
func headerToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// headerValue reports whether s can be an HTTP field value: no control
// characters but tab.
func headerValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
