package identity

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// JWT says how the claims Envoy's jwt_authn verified become an identity.
type JWT struct {
	// Enabled trusts the claims jwt_authn verified. When off, claims are
	// ignored and a Bearer token is refused like any unsupported scheme.
	Enabled bool
	// PayloadKey is the key the jwt_authn provider writes its claims under
	// (its payload_in_metadata).
	PayloadKey string
	// IDClaim names the claim that is the principal's id: a non-empty
	// string (sub by default).
	IDClaim string
	// GroupsClaim names the claim that lists the caller's groups: an array
	// of strings, or one string of names separated by spaces (as OAuth's
	// scope claim is). Absent means no groups; "" never reads groups.
	GroupsClaim string
	// MaxClaimsBytes bounds the size of the claims, measured as their JSON
	// encoding. Larger claims are refused: they would all go into every
	// policy input and decision log line.
	MaxClaimsBytes int
}

// parse checks verified claims and takes the principal's id and groups.
func (j JWT) parse(raw any) (claims map[string]any, id string, groups []string, err error) {
	claims, ok := raw.(map[string]any)
	if !ok {
		return nil, "", nil, fmt.Errorf("the verified JWT payload is %s, not an object", kind(raw))
	}
	if n, over := jsonSize(claims, j.MaxClaimsBytes); over {
		return nil, "", nil, fmt.Errorf("the JWT claims are over %d bytes (at least %d), the limit of identity.jwt.max_claims_bytes", j.MaxClaimsBytes, n)
	}
	id, ok = claims[j.IDClaim].(string)
	if !ok || id == "" {
		return nil, "", nil, fmt.Errorf("the JWT has no %q claim that is a non-empty string (identity.jwt.id_claim)", j.IDClaim)
	}
	if j.GroupsClaim == "" {
		return claims, id, nil, nil
	}
	switch g := claims[j.GroupsClaim].(type) {
	case nil:
	case string:
		groups = strings.Fields(g)
	case []any:
		groups = make([]string, len(g))
		for i, v := range g {
			s, ok := v.(string)
			if !ok {
				return nil, "", nil, fmt.Errorf("the JWT's %q claim must hold strings, its item %d is %s (identity.jwt.groups_claim)", j.GroupsClaim, i, kind(v))
			}
			groups[i] = s
		}
	default:
		return nil, "", nil, fmt.Errorf("the JWT's %q claim must be a string or an array of strings, got %s (identity.jwt.groups_claim)", j.GroupsClaim, kind(g))
	}
	return claims, id, groups, nil
}

// jsonSize measures v's JSON encoding, as a protobuf Struct converted to Go
// holds it (objects, arrays, strings, float64 numbers, booleans, null),
// without encoding it. It stops once the size passes limit, so an oversized
// value costs no more than limit to measure. Escapes in strings are not
// counted: the size is a bound on content, not an exact byte count.
func jsonSize(v any, limit int) (n int, over bool) {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			n++ // {
			for k, e := range x {
				n += len(k) + 4 // quotes, colon, and a comma or the closing brace
				if n > limit || !walk(e) {
					return false
				}
			}
			if len(x) == 0 {
				n++ // }
			}
		case []any:
			n++ // [
			for _, e := range x {
				n++ // a comma or the closing bracket
				if n > limit || !walk(e) {
					return false
				}
			}
			if len(x) == 0 {
				n++ // ]
			}
		case string:
			n += len(x) + 2
		case float64:
			format := byte('f') // as encoding/json writes numbers
			if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
				format = 'e'
			}
			n += len(strconv.FormatFloat(x, format, -1, 64))
		case bool:
			n += len(strconv.FormatBool(x))
		default: // null
			n += 4
		}
		return n <= limit
	}
	return n, !walk(v)
}

// kind names a decoded JSON value's type for error messages.
func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}
