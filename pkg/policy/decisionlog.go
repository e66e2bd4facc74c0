package policy

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// How much of the input a decision line carries (decision_log.input).
const (
	// LogInputNone logs no input: the line's own fields only.
	LogInputNone = "none"
	// LogInputMasked logs the input's shape: record keys, values and header
	// values are replaced by their type and size. The default.
	LogInputMasked = "masked"
	// LogInputFull logs the input as the policy saw it, record contents
	// included. Secrets are redacted in every mode.
	LogInputFull = "full"
)

// LogInputModes lists the valid LogInput values.
var LogInputModes = []string{LogInputNone, LogInputMasked, LogInputFull}

// decisionLine is the fields of a decision's log line. docs/policy.md ("The
// decision log") describes them.
func decisionLine(in *Input, d *Decision, digest, mode string) []zap.Field {
	f := make([]zap.Field, 0, 24)
	f = append(f,
		zap.String("decision_id", d.ID), zap.String("request_id", in.Request.ID),
		zap.String("phase", in.Phase), zap.String("action", in.Action), zap.String("operation", in.Operation),
		zap.String("resource_type", in.Resource.Type), zap.String("resource_name", in.Resource.Name),
		zap.String("principal_type", in.Principal.Type), zap.String("principal", in.Principal.ID),
		zap.Bool("allow", d.Allow), zap.String("reason", d.Reason), zap.Duration("duration", d.Duration),
		zap.String("policy_digest", digest),
	)
	if in.RecordsSummary != nil {
		f = append(f, zap.Int("records", in.RecordsSummary.Count), zap.Int("record_bytes", in.RecordsSummary.Bytes))
	}
	f = append(f, outcomeFields(d)...)
	if d.Err != nil {
		f = append(f, zap.NamedError("policy_error", d.Err))
	}
	switch mode {
	case LogInputMasked:
		f = append(f, zap.Object("input", loggedInput{in: in, masked: true}))
	case LogInputFull:
		f = append(f, zap.Object("input", loggedInput{in: in}))
	}
	return f
}

// outcomeFields are the decision's optional fields that change the answer,
// each only when set.
func outcomeFields(d *Decision) []zap.Field {
	var f []zap.Field
	if d.Status != 0 {
		f = append(f, zap.Int("status", d.Status))
	}
	if len(d.DeniedRecords) > 0 {
		idx := make([]int, len(d.DeniedRecords))
		for i, r := range d.DeniedRecords {
			idx[i] = r.Index
		}
		f = append(f, zap.Ints("denied_records", idx))
	}
	if d.Topic != "" {
		f = append(f, zap.String("topic", d.Topic))
	}
	if d.Cluster != "" {
		f = append(f, zap.String("cluster", d.Cluster))
	}
	if d.ValueSchema != "" {
		f = append(f, zap.String("value_schema", d.ValueSchema))
	}
	if d.Limits != nil {
		f = append(f, zap.Object("limits", limitsLog(*d.Limits)))
	}
	return f
}

type limitsLog Limits

func (l limitsLog) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	ints := []struct {
		k string
		v int
	}{{"max_records", l.MaxRecords}, {"max_record_bytes", l.MaxRecordBytes}, {"max_request_bytes", l.MaxRequestBytes}}
	for _, x := range ints {
		if x.v != 0 {
			enc.AddInt(x.k, x.v)
		}
	}
	if l.RecordsPerSec != 0 {
		enc.AddFloat64("records_per_second", l.RecordsPerSec)
	}
	if l.BytesPerSec != 0 {
		enc.AddFloat64("bytes_per_second", l.BytesPerSec)
	}
	return nil
}

// loggedInput writes the input for a decision line: the whole document with
// secrets redacted, and with record contents replaced by their type and size
// when masked. It writes through zap's encoder, field by field, rather than
// copying the input.
type loggedInput struct {
	in     *Input
	masked bool
}

func (l loggedInput) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	in := l.in
	enc.AddString("version", in.Version)
	enc.AddString("phase", in.Phase)
	enc.AddString("action", in.Action)
	enc.AddString("operation", in.Operation)
	if err := enc.AddReflected("resource", in.Resource); err != nil {
		return err
	}
	if err := enc.AddReflected("cluster", in.Cluster); err != nil {
		return err
	}
	if in.Topic != "" {
		enc.AddString("topic", in.Topic)
	}
	if in.Partition != nil {
		enc.AddInt32("partition", *in.Partition)
	}
	if in.Group != "" {
		enc.AddString("group", in.Group)
	}
	if err := enc.AddReflected("principal", in.Principal); err != nil {
		return err
	}
	if err := enc.AddObject("request", loggedRequest{&in.Request}); err != nil {
		return err
	}
	if in.Admin != nil {
		if err := enc.AddReflected("admin", in.Admin); err != nil {
			return err
		}
	}
	if in.Target != nil {
		if err := enc.AddReflected("target", in.Target); err != nil {
			return err
		}
	}
	if in.Records != nil {
		if err := enc.AddArray("records", loggedRecords{in.Records, l.masked}); err != nil {
			return err
		}
	}
	if in.RecordsSummary != nil {
		return enc.AddReflected("records_summary", in.RecordsSummary)
	}
	return nil
}

type loggedRequest struct{ r *Request }

func (l loggedRequest) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	r := l.r
	enc.AddString("id", r.ID)
	enc.AddString("method", r.Method)
	enc.AddString("path", r.Path)
	enc.AddString("api", r.API)
	query := make(map[string][]string, len(r.Query))
	for k, vs := range r.Query {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = redact(k, v)
		}
		query[k] = out
	}
	if err := enc.AddReflected("query", query); err != nil {
		return err
	}
	headers := make(map[string]string, len(r.Headers))
	for k, v := range r.Headers {
		headers[k] = redact(k, v)
	}
	if err := enc.AddReflected("headers", headers); err != nil {
		return err
	}
	if r.Source != "" {
		enc.AddString("source_address", r.Source)
	}
	return nil
}

type loggedRecords struct {
	rs     []Record
	masked bool
}

func (l loggedRecords) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range l.rs {
		if err := enc.AppendObject(loggedRecord{&l.rs[i], l.masked}); err != nil {
			return err
		}
	}
	return nil
}

type loggedRecord struct {
	r      *Record
	masked bool
}

func (l loggedRecord) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	r := l.r
	enc.AddInt("index", r.Index)
	if err := enc.AddReflected("partition", r.Partition); err != nil {
		return err
	}
	if err := enc.AddReflected("timestamp", r.Timestamp); err != nil {
		return err
	}
	for _, kv := range []struct {
		name string
		d    *Data
	}{{"key", r.Key}, {"value", r.Value}} {
		if err := addData(enc, kv.name, kv.d, l.masked); err != nil {
			return err
		}
	}
	if err := enc.AddArray("headers", loggedHeaders{r.Headers, l.masked}); err != nil {
		return err
	}
	enc.AddInt("size", r.Size)
	return nil
}

func addData(enc zapcore.ObjectEncoder, name string, d *Data, masked bool) error {
	switch {
	case d == nil:
		return enc.AddReflected(name, nil)
	case masked:
		return enc.AddObject(name, zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
			enc.AddString("type", d.Type)
			enc.AddInt("size", d.Size)
			return nil
		}))
	}
	return enc.AddReflected(name, d)
}

type loggedHeaders struct {
	hs     []Header
	masked bool
}

func (l loggedHeaders) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range l.hs {
		h := &l.hs[i]
		err := enc.AppendObject(zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
			enc.AddString("name", h.Name)
			switch {
			case l.masked && h.ValueBase64 == nil:
				return enc.AddReflected("size", nil)
			case l.masked:
				enc.AddInt("size", base64Len(*h.ValueBase64))
			case h.ValueBase64 == nil:
				if err := enc.AddReflected("value", nil); err != nil {
					return err
				}
				return enc.AddReflected("value_base64", nil)
			case redacted(h.Name, *h.ValueBase64) || h.Value != nil && redacted(h.Name, *h.Value):
				enc.AddString("value", redactedText)
				enc.AddString("value_base64", redactedText)
			default:
				if err := enc.AddReflected("value", h.Value); err != nil {
					return err
				}
				enc.AddString("value_base64", *h.ValueBase64)
			}
			return nil
		}))
		if err != nil {
			return err
		}
	}
	return nil
}

// base64Len is the number of bytes standard base64 text s encodes.
func base64Len(s string) int {
	n := len(s) / 4 * 3
	for i := len(s) - 1; i >= 0 && i >= len(s)-2 && s[i] == '='; i-- {
		n--
	}
	return n
}
