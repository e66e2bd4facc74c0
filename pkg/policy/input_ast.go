package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// astInput converts the input to the value Rego evaluates, directly.
// rego.EvalInput would marshal the input to JSON, decode it again and then
// convert it: for a produce of many records that round trip was most of a
// decision's cost. The result equals the JSON form field for field (same
// names, omitempty, nil slices as null); a test holds it to that.
func astInput(in *Input) (ast.Value, error) {
	return toAST(reflect.ValueOf(in))
}

func toAST(v reflect.Value) (ast.Value, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		return toAST(v.Elem())
	case reflect.Struct:
		return structToAST(v)
	case reflect.Map:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("policy input: map key %s", v.Type().Key())
		}
		obj := ast.NewObject()
		it := v.MapRange()
		for it.Next() {
			val, err := toAST(it.Value())
			if err != nil {
				return nil, err
			}
			obj.Insert(ast.StringTerm(it.Key().String()), ast.NewTerm(val))
		}
		return obj, nil
	case reflect.Slice:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			val, err := toAST(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = ast.NewTerm(val)
		}
		return ast.NewArray(terms...), nil
	case reflect.String:
		if n, ok := v.Interface().(json.Number); ok {
			return ast.Number(n), nil
		}
		return ast.String(v.String()), nil
	case reflect.Bool:
		return ast.Boolean(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		b, err := json.Marshal(v.Interface()) // JSON's spelling of the number
		if err != nil {
			return nil, err
		}
		return ast.Number(b), nil
	}
	return nil, fmt.Errorf("policy input: unsupported %s", v.Type())
}

// structToAST writes a struct's exported fields under their JSON names,
// leaving out empty omitempty fields, as encoding/json does.
func structToAST(v reflect.Value) (ast.Value, error) {
	obj := ast.NewObject()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		if strings.Contains(opts, "omitempty") && isEmpty(fv) {
			continue
		}
		val, err := toAST(fv)
		if err != nil {
			return nil, err
		}
		obj.Insert(ast.StringTerm(name), ast.NewTerm(val))
	}
	return obj, nil
}

// isEmpty is encoding/json's omitempty rule: false, 0, a nil pointer or
// interface, an empty string, slice or map. A struct is never empty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.String, reflect.Array:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return v.IsZero()
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}
