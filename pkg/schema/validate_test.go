package schema

import (
	"errors"
	"testing"
)

func TestValidate_NamesTheFieldAndTheProblem(t *testing.T) {
	s, _ := newStore(t, map[string]string{"orders.v1.json": orderV1, "customer.v1.json": customerV1})
	orders := s.Lookup("orders.v1")
	tests := []struct {
		name, value string
		want        *Violation // nil: valid
	}{
		{"valid", `{"id": "o-1", "amount": 12.5, "customer": {"email": "a@example.com"}}`, nil},
		{"wrong type", `{"id": 7, "amount": 1}`, &Violation{Pointer: "/id", Problem: "got number, want string"}},
		{"below minimum", `{"id": "o", "amount": -1}`, &Violation{Pointer: "/amount", Problem: "minimum: got -1, want 0"}},
		{"missing property", `{"id": "o"}`, &Violation{Pointer: "/amount", Problem: "required property is missing"}},
		{"property not allowed", `{"id": "o", "amount": 1, "colour": "red"}`, &Violation{Pointer: "/colour", Problem: "property is not allowed"}},
		{"array item", `{"id": "o", "amount": 1, "tags": ["a", 2]}`, &Violation{Pointer: "/tags/1", Problem: "got number, want string"}},
		{"through a reference, format asserted", `{"id": "o", "amount": 1, "customer": {"email": "nope"}}`,
			&Violation{Pointer: "/customer/email", Problem: "'nope' is not valid email: missing @"}},
		{"pointer escaping", `{"id": "o", "amount": 1, "customer": {"email": "a@b.c", "a/b~c": "x"}}`,
			&Violation{Pointer: "/customer/a~1b~0c", Problem: "got string, want integer"}},
		{"the value itself", `[1]`, &Violation{Problem: "got array, want object"}},
		{"several problems: the first by path", `{"id": 1, "amount": "x"}`,
			&Violation{Pointer: "/amount", Problem: "got string, want number", More: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := orders.ValidateJSON([]byte(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == nil && got != nil:
				t.Fatalf("refused: %v", got)
			case tt.want != nil && (got == nil || *got != *tt.want):
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidate_LargeNumbersKeepTheirPrecision(t *testing.T) {
	s, _ := newStore(t, map[string]string{"n.json": `{"type": "integer", "maximum": 9007199254740993}`})
	if v, _ := s.Lookup("n").ValidateJSON([]byte(`9007199254740993`)); v != nil {
		t.Fatalf("2^53+1 refused: %v", v)
	}
	if v, _ := s.Lookup("n").ValidateJSON([]byte(`9007199254740994`)); v == nil {
		t.Fatal("2^53+2 accepted")
	}
}

func TestValidateJSON_NotJSON(t *testing.T) {
	s, _ := newStore(t, map[string]string{"a.json": `{}`})
	for _, b := range []string{``, `{"a":`, `plain text`, `{} {}`} {
		if _, err := s.Lookup("a").ValidateJSON([]byte(b)); !errors.Is(err, ErrNotJSON) {
			t.Errorf("%q: err %v, want ErrNotJSON", b, err)
		}
	}
}

func TestViolation_String(t *testing.T) {
	tests := map[string]Violation{
		`field /a/0: got string, want number`:                          {Pointer: "/a/0", Problem: "got string, want number"},
		`the value: got array, want object`:                            {Problem: "got array, want object"},
		`field /a: x (and 1 more problem)`:                             {Pointer: "/a", Problem: "x", More: 1},
		`field /a: required property is missing (and 3 more problems)`: {Pointer: "/a", Problem: "required property is missing", More: 3},
	}
	for want, v := range tests {
		if got := v.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// BenchmarkValidate validates an already decoded value, as the gateway does
// with the value the policy input decoded.
func BenchmarkValidate(b *testing.B) {
	s, _ := newStore(b, map[string]string{"orders.v1.json": orderV1, "customer.v1.json": customerV1})
	v, _ := Decode([]byte(`{"id": "o-1", "amount": 12.5, "customer": {"email": "a@example.com"}, "tags": ["x", "y"]}`))
	orders := s.Lookup("orders.v1")
	b.ReportAllocs()
	for b.Loop() {
		if orders.Validate(v) != nil {
			b.Fatal("refused")
		}
	}
}
