package policy

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/topicgate/topicgate/pkg/identity"
)

// The input Rego sees is the same value as the input's JSON form, which the
// golden files pin and docs/policy.md documents: same names, omitted empty
// fields, nulls, numbers.
func TestAstInput_EqualsTheJSONForm(t *testing.T) {
	seven := int32(7)
	ts := "2024-05-01T12:00:00Z"
	b64, text := "AAE=", "x"
	var num any
	if err := json.Unmarshal([]byte(`{"n": 1.50, "big": 12345678901234567890, "list": [true, null, "s"]}`), &num); err != nil {
		t.Fatal(err)
	}
	withPattern := produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})
	withPattern.Resource.PatternType = "REGEX"
	withPattern.Partition, withPattern.Group = &seven, "g1"
	records := recordsInput()
	records.Records = append(records.Records, Record{
		Index: 9, Partition: &seven, Timestamp: &ts, Size: 3,
		Key:     &Data{Type: "JSON", Data: num, Size: 40},
		Value:   nil,
		Headers: []Header{{Name: "h", Value: &text, ValueBase64: &b64}, {Name: "empty"}},
	})
	for name, in := range map[string]*Input{
		"request":                   produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"}),
		"records":                   records,
		"pattern, partition, group": withPattern,
		"jwt and mTLS principal":    jwtMTLSInput(),
		"empty":                     {},
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ast.ValueFromReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			got, err := astInput(in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Compare(want) != 0 {
				t.Errorf("astInput differs from the JSON form:\n got %v\nwant %v", got, want)
			}
		})
	}
}
