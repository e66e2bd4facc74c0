package kafkarest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// jsonBody says how an API decodes its JSON request bodies and answers one
// that does not decode.
type jsonBody struct {
	status, code int    // the answer to a body that does not decode
	prefix       string // of its message, as the API's other refusals have
	strict       bool   // refuse fields the body's schema does not have
}

var (
	// v3Body: Confluent's v3 answers 400 and ignores fields it does not know.
	v3Body = jsonBody{status: http.StatusBadRequest, code: 400, prefix: "Bad Request: "}
	// v2Body: the bridge answers 422 for an invalid body, and its schemas
	// forbid unknown fields (additionalProperties: false).
	v2Body = jsonBody{status: http.StatusUnprocessableEntity, code: 422, strict: true}
)

// bodyRules are the rules of an API ("v3" or "v2").
func bodyRules(api string) jsonBody {
	if api == "v2" {
		return v2Body
	}
	return v3Body
}

// trailingData is the message for a body with more after its JSON value.
const trailingData = "the body must be one JSON object, with nothing after it"

// decode decodes body, which must be exactly one JSON value, into v: an
// empty body is apierr.EmptyBody; malformed JSON, a value of the wrong type,
// an unknown field (when strict) or anything but whitespace after the value
// is b's status, worded by jsonMessage.
func (b jsonBody) decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apierr.EmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if b.strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return apierr.New(b.status, b.code, "%s%s", b.prefix, jsonMessage("", err, len(body)))
	}
	// More() is false before a stray '}' or ']': only EOF proves the end.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apierr.New(b.status, b.code, "%s%s", b.prefix, trailingData)
	}
	return nil
}

// jsonMessage words an encoding/json error, the same for every body and
// record. label names the value ("record 2", `entry "a"`); "" is the body.
//
//	the body is not valid JSON: invalid character 'x' looking for beginning of value at byte 3
//	field partitions_count must be an integer, got a string
//	record 2: field partition_id must be an integer, got a string
//	the body must be a JSON object, got an array
//	unknown field "colour"
func jsonMessage(label string, err error, size int) string {
	subject, prefix := "the body", ""
	if label != "" {
		subject, prefix = label, label+": "
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s is not valid JSON: %s at byte %d", subject, syn.Error(), syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s is not valid JSON: it ends at byte %d, inside a value", subject, size)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("%s must be a JSON object, got %s", subject, jsonValueKind(typ.Value))
		}
		return fmt.Sprintf("%sfield %s must be %s, got %s", prefix, typ.Field, jsonKind(typ.Type.String()), jsonValueKind(typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return prefix + "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return fmt.Sprintf("%s is not valid JSON: %s", subject, strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names, for an error message, the JSON kind of a Go type
// (json.UnmarshalTypeError's Type.String()).
func jsonKind(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map["):
		return "an object"
	case strings.Contains(t, "int"):
		return "an integer"
	case strings.Contains(t, "float"):
		return "a number"
	case t == "bool":
		return "a boolean"
	case t == "string":
		return "a string"
	default:
		return "an object"
	}
}

// jsonValueKind names the JSON value json.UnmarshalTypeError's Value
// describes: "string", "bool", "number 1.5", ...
func jsonValueKind(v string) string {
	switch {
	case v == "bool":
		return "a boolean"
	case v == "string", v == "number":
		return "a " + v
	case v == "array", v == "object":
		return "an " + v
	case strings.HasPrefix(v, "number "):
		return strings.TrimPrefix(v, "number ")
	}
	return v
}
