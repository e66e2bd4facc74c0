package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/topicgate/topicgate/pkg/kafkarest"
)

// Decision is the outcome of one evaluation. Anything but a well-formed
// allowing result denies; Err says why a result was not usable.
// docs/policy.md ("The decision") describes each field.
type Decision struct {
	ID      string
	Allow   bool
	Reason  string
	Status  int               // 0: the default (401 for anonymous, 403 otherwise)
	Headers map[string]string // added to the response
	// DeniedRecords are records of an allowed produce (phase records) that
	// must not be written; each is answered as its own failed result.
	DeniedRecords []RecordDenial
	// Topic, when set, is the Kafka topic to act on instead of the one the
	// client named (e.g. a tenant prefix).
	Topic string
	// Cluster, when set, names the configured cluster to act on.
	Cluster string
	// Limits are the caller's limits and quotas for this request.
	Limits *Limits
	// ValueSchema names the JSON Schema (beside the policies) that record
	// values must satisfy.
	ValueSchema string
	Err         error // set when the policy failed, was undefined or malformed
	Duration    time.Duration
	// RecordsBlind is set on a request-phase decision when the policy (and
	// the shadow policy, if any) reads no field that differs in the records
	// phase: its records-phase decision would be this one, so the gateway
	// need not ask again.
	RecordsBlind bool
}

// RecordDenial refuses one record of a produce: Index is the record's
// input.records[_].index.
type RecordDenial struct {
	Index  int
	Reason string
}

// Limits bound a request. Zero fields do not limit.
type Limits struct {
	MaxRecords      int     // records in one request
	MaxRecordBytes  int     // one record's size (input.records[_].size)
	MaxRequestBytes int     // the request body
	RecordsPerSec   float64 // quota per principal and topic
	BytesPerSec     float64 // quota per principal and topic
}

// decisionFields parse the optional fields of a decision object, by key.
var decisionFields = map[string]func(d *Decision, v any) error{
	"reason": func(d *Decision, v any) (err error) {
		d.Reason, err = str("reason", v)
		return err
	},
	"status": func(d *Decision, v any) error {
		n, err := integer("status", v, 400, 599)
		d.Status = n
		return err
	},
	"headers": func(d *Decision, v any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected object headers, got %s", typeName(v))
		}
		d.Headers = make(map[string]string, len(m))
		for k, hv := range m {
			s, ok := hv.(string)
			if !ok {
				return fmt.Errorf("header %q must be a string, got %s", k, typeName(hv))
			}
			d.Headers[k] = s
		}
		return nil
	},
	"denied_records": func(d *Decision, v any) error {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("expected array denied_records, got %s", typeName(v))
		}
		d.DeniedRecords = make([]RecordDenial, 0, len(list))
		for i, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				return fmt.Errorf("denied_records[%d]: expected object {index, reason}, got %s", i, typeName(x))
			}
			idx, err := integer(fmt.Sprintf("denied_records[%d].index", i), m["index"], 0, math.MaxInt32)
			if err != nil {
				return err
			}
			var reason string
			if r, ok := m["reason"]; ok {
				if reason, err = str(fmt.Sprintf("denied_records[%d].reason", i), r); err != nil {
					return err
				}
			}
			d.DeniedRecords = append(d.DeniedRecords, RecordDenial{Index: idx, Reason: reason})
		}
		return nil
	},
	"topic": func(d *Decision, v any) (err error) {
		if d.Topic, err = str("topic", v); err == nil && kafkarest.ValidateTopicName(d.Topic) != nil {
			err = fmt.Errorf("topic %q is not a valid Kafka topic name", d.Topic)
		}
		return err
	},
	"cluster": func(d *Decision, v any) (err error) {
		if d.Cluster, err = str("cluster", v); err == nil && d.Cluster == "" {
			err = fmt.Errorf("cluster must not be empty")
		}
		return err
	},
	"value_schema": func(d *Decision, v any) (err error) {
		if d.ValueSchema, err = str("value_schema", v); err == nil && d.ValueSchema == "" {
			err = fmt.Errorf("value_schema must not be empty")
		}
		return err
	},
	"limits": func(d *Decision, v any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected object limits, got %s", typeName(v))
		}
		l := &Limits{}
		ints := map[string]*int{"max_records": &l.MaxRecords, "max_record_bytes": &l.MaxRecordBytes, "max_request_bytes": &l.MaxRequestBytes}
		rates := map[string]*float64{"records_per_second": &l.RecordsPerSec, "bytes_per_second": &l.BytesPerSec}
		for k, x := range m {
			var err error
			switch {
			case ints[k] != nil:
				*ints[k], err = integer("limits."+k, x, 1, math.MaxInt32)
			case rates[k] != nil:
				*rates[k], err = positive("limits."+k, x)
			default:
				err = fmt.Errorf("limits: unknown limit %q (known: max_records, max_record_bytes, max_request_bytes, records_per_second, bytes_per_second)", k)
			}
			if err != nil {
				return err
			}
		}
		d.Limits = l
		return nil
	},
}

// parseResult reads a policy result: a boolean, or an object with a boolean
// `allow` and the optional fields of decisionFields. Unknown keys are
// ignored, so a policy may carry its own notes.
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
		for k, x := range r {
			if parse := decisionFields[k]; parse != nil {
				if err := parse(&d, x); err != nil {
					return d, fmt.Errorf("decision object: %w", err)
				}
			}
		}
		return d, nil
	}
	return Decision{}, fmt.Errorf("expected boolean or object decision, got %s", typeName(v))
}

func str(name string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expected string %s, got %s", name, typeName(v))
	}
	return s, nil
}

func integer(name string, v any, lo, hi int64) (int, error) {
	n, ok := v.(json.Number)
	code, err := n.Int64()
	if !ok || err != nil || code < lo || code > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d, got %v", name, lo, hi, printable(v))
	}
	return int(code), nil
}

func positive(name string, v any) (float64, error) {
	n, ok := v.(json.Number)
	f, err := n.Float64()
	if !ok || err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s must be a number above 0, got %v", name, printable(v))
	}
	return f, nil
}

func printable(v any) any {
	if v == nil {
		return "undefined/null"
	}
	return v
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
