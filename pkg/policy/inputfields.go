package policy

import (
	"reflect"
	"strings"
)

// Kinds of input fields, as InputFields names them.
const (
	KindObject  = "object"  // a struct: its fields are listed too
	KindArray   = "array"   // its elements are listed as path + "[]"
	KindMap     = "map"     // an object with any keys (request.query, request.headers)
	KindAny     = "any"     // any JSON value (a record's JSON data)
	KindString  = "string"  //
	KindNumber  = "number"  //
	KindBoolean = "boolean" //
)

// InputFields lists every field of the input document by path, with its
// kind: JSON names joined by ".", "[]" for an array's elements, e.g.
// "resource.name" or "records[].key.type". It is read from the Go types by
// reflection, so it is the contract as the code has it: a test holds
// docs/policy.md to it, and `topicgate policy check` warns about input
// references that are not in it.
func InputFields() map[string]string {
	out := map[string]string{}
	walkFields(reflect.TypeFor[Input](), "", out)
	return out
}

func walkFields(t reflect.Type, prefix string, out map[string]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		walkType(f.Type, prefix+name, out)
	}
}

func walkType(t reflect.Type, path string, out map[string]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		out[path] = KindObject
		walkFields(t, path+".", out)
	case reflect.Slice, reflect.Array:
		out[path] = KindArray
		walkType(t.Elem(), path+"[]", out)
	case reflect.Map:
		out[path] = KindMap
	case reflect.Interface:
		out[path] = KindAny
	case reflect.String:
		out[path] = KindString
	case reflect.Bool:
		out[path] = KindBoolean
	default:
		out[path] = KindNumber
	}
}
