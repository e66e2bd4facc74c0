package kafkarest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// The field names of a v3 produce body, exactly as the spec spells them.
var (
	recordFields = map[string]bool{"partition_id": true, "headers": true, "key": true, "value": true, "timestamp": true}
	entryFields  = map[string]bool{"id": true, "partition_id": true, "headers": true, "key": true, "value": true, "timestamp": true}
	dataFields   = map[string]bool{"type": true, "data": true, "subject": true, "schema_id": true, "schema_version": true, "schema": true, "subject_name_strategy": true}
	headerFields = map[string]bool{"name": true, "value": true}
	batchFields  = map[string]bool{"entries": true}
)

// CheckExactFields refuses a v3 produce body (records, or a records:batch
// body when batch) whose objects name a field in another letter case or
// twice. encoding/json reads "DATA" as "data" and keeps the last of two
// values; a backend that reads JSON otherwise (case-sensitive, first value
// wins) would write what the policy did not see. topicgate as an ext_authz
// guard checks this before the policy reads the records; the contents of a
// JSON value's data are not looked into.
func CheckExactFields(body []byte, batch bool) error {
	if batch {
		top, err := exactObject(body, batchFields, "the body")
		if err != nil {
			return err
		}
		var entries []json.RawMessage
		if json.Unmarshal(top["entries"], &entries) != nil {
			return nil // not an array: the batch parser says so
		}
		for i, e := range entries {
			if err := exactRecord(e, entryFields, "entries["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for i := 0; ; i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) || err != nil {
			return nil // a body that does not parse: the produce parser says so
		}
		if err := exactRecord(raw, recordFields, "record "+strconv.Itoa(i)); err != nil {
			return err
		}
	}
}

func exactRecord(raw json.RawMessage, fields map[string]bool, where string) error {
	r, err := exactObject(raw, fields, where)
	if err != nil {
		return err
	}
	for _, f := range []string{"key", "value"} {
		if v := bytes.TrimSpace(r[f]); len(v) > 0 && v[0] == '{' {
			if _, err := exactObject(v, dataFields, where+": "+f); err != nil {
				return err
			}
		}
	}
	var headers []json.RawMessage
	if json.Unmarshal(r["headers"], &headers) == nil {
		for j, h := range headers {
			if v := bytes.TrimSpace(h); len(v) > 0 && v[0] == '{' {
				if _, err := exactObject(v, headerFields, where+": headers["+strconv.Itoa(j)+"]"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// exactObject reads the members of a JSON object, refusing a name that is
// not in fields as spelled there, or that repeats. What is not an object
// is returned empty, for the parsers to refuse.
func exactObject(raw []byte, fields map[string]bool, where string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return out, nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out, nil
		}
		name, _ := t.(string)
		if !fields[name] {
			return nil, apierr.BadRequest("%s: unknown field %s (field names are case-sensitive)", where, strconv.Quote(name))
		}
		if _, dup := out[name]; dup {
			return nil, apierr.BadRequest("%s: field %s appears twice", where, strconv.Quote(name))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out, nil
		}
		out[name] = v
	}
	return out, nil
}
