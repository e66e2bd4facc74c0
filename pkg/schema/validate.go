package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is one compiled JSON Schema. It is safe for concurrent use.
type Schema struct {
	name string
	s    *jsonschema.Schema
}

// Name is the schema's name: its file name without ".json".
func (s *Schema) Name() string { return s.name }

// Violation says where a value fails its schema and why.
type Violation struct {
	// Pointer is the JSON pointer (RFC 6901) of the failing field within
	// the value; "" is the value itself. For a missing or forbidden
	// property it points at that property.
	Pointer string
	// Problem says what is wrong, e.g. "got string, want number".
	Problem string
	// More counts further problems of the same value.
	More int
}

func (v *Violation) String() string {
	where := "the value"
	if v.Pointer != "" {
		where = "field " + v.Pointer
	}
	s := where + ": " + v.Problem
	switch {
	case v.More == 1:
		s += " (and 1 more problem)"
	case v.More > 1:
		s += fmt.Sprintf(" (and %d more problems)", v.More)
	}
	return s
}

// ErrNotJSON is returned for bytes that are not one JSON value.
var ErrNotJSON = errors.New("not a JSON value")

// ValidateJSON decodes b (one JSON value) and validates it.
func (s *Schema) ValidateJSON(b []byte) (*Violation, error) {
	v, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return s.Validate(v), nil
}

// Decode reads one JSON value the way Validate expects it: numbers as
// json.Number, so that no precision is lost.
func Decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, ErrNotJSON
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, ErrNotJSON
	}
	return v, nil
}

// Validate checks a decoded JSON value (as encoding/json decodes into any,
// with numbers as json.Number or float64). It returns nil when the value
// satisfies the schema.
func (s *Schema) Validate(v any) *Violation {
	err := s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &Violation{Problem: err.Error()}
	}
	var leaves []Violation
	collect(ve, &leaves)
	if len(leaves) == 0 { // cannot happen: a failure has a cause
		return &Violation{Problem: "validation failed"}
	}
	// The validator visits properties in map order: sort, so that the
	// same value always gets the same answer.
	sort.Slice(leaves, func(i, j int) bool {
		if leaves[i].Pointer != leaves[j].Pointer {
			return leaves[i].Pointer < leaves[j].Pointer
		}
		return leaves[i].Problem < leaves[j].Problem
	})
	first := leaves[0]
	first.More = len(leaves) - 1
	return &first
}

var printer = message.NewPrinter(language.English)

// collect gathers the errors at the bottom of the tree: the actual
// problems, rather than "allOf failed" above them.
func collect(e *jsonschema.ValidationError, out *[]Violation) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, out)
		}
		return
	}
	tokens := e.InstanceLocation
	problem := e.ErrorKind.LocalizedString(printer)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		if len(k.Missing) > 0 {
			tokens = append(tokens[:len(tokens):len(tokens)], k.Missing[0])
			if len(k.Missing) == 1 {
				problem = "required property is missing"
			}
		}
	case *kind.AdditionalProperties:
		if len(k.Properties) > 0 {
			tokens = append(tokens[:len(tokens):len(tokens)], k.Properties[0])
			if len(k.Properties) == 1 {
				problem = "property is not allowed"
			}
		}
	}
	*out = append(*out, Violation{Pointer: pointer(tokens), Problem: problem})
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pointer writes a JSON pointer (RFC 6901).
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(t))
	}
	return b.String()
}
