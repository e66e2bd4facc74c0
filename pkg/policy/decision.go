package policy

import (
	"encoding/json"
	"fmt"
	"time"
)

// Decision is the outcome of one evaluation. Anything but a well-formed
// allowing result denies; Err says why a result was not usable.
type Decision struct {
	ID       string
	Allow    bool
	Reason   string
	Status   int               // 0: the default (401 for anonymous, 403 otherwise)
	Headers  map[string]string // added to the response
	Err      error             // set when the policy failed, was undefined or malformed
	Duration time.Duration
}

// parseResult reads a policy result: a boolean, or an object with a boolean
// `allow` and optional `reason`, `status` (400-599) and `headers`.
func parseResult(v any) (Decision, error) {
	switch r := v.(type) {
	case bool:
		return Decision{Allow: r}, nil
	case map[string]any:
		var d Decision
		allow, ok := r["allow"].(bool)
		if !ok {
			return d, fmt.Errorf("decision object: expected boolean allow, got %s", typeName(r["allow"]))
		}
		d.Allow = allow
		if x, ok := r["reason"]; ok {
			s, ok := x.(string)
			if !ok {
				return d, fmt.Errorf("decision object: expected string reason, got %s", typeName(x))
			}
			d.Reason = s
		}
		if x, ok := r["status"]; ok {
			n, ok := x.(json.Number)
			code, err := n.Int64()
			if !ok || err != nil || code < 400 || code > 599 {
				return d, fmt.Errorf("decision object: status must be an integer from 400 to 599, got %v", x)
			}
			d.Status = int(code)
		}
		if x, ok := r["headers"]; ok {
			m, ok := x.(map[string]any)
			if !ok {
				return d, fmt.Errorf("decision object: expected object headers, got %s", typeName(x))
			}
			d.Headers = make(map[string]string, len(m))
			for k, hv := range m {
				s, ok := hv.(string)
				if !ok {
					return d, fmt.Errorf("decision object: header %q must be a string, got %s", k, typeName(hv))
				}
				d.Headers[k] = s
			}
		}
		return d, nil
	}
	return Decision{}, fmt.Errorf("expected boolean or object decision, got %s", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "undefined/null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64, int:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
