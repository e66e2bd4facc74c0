package policy

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/identity"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func strp(s string) *string { return &s }
func i32p(v int32) *int32   { return &v }

// recordsInput is the input of a produce's records phase with two records:
// one with a JSON value, a key, a partition, a timestamp and headers (text
// and binary), and one tombstone.
func recordsInput() *Input {
	in := produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})
	in.Phase = PhaseRecords
	in.Request.Source = "10.0.0.7:51234"
	in.Request.Query = map[string][]string{"dry_run": {"false"}}
	in.Records = []Record{
		{
			Index: 0, Partition: i32p(1), Timestamp: strp("2024-05-01T10:30:00.123Z"),
			Key:   &Data{Type: "STRING", Data: "order-7", Size: 7},
			Value: &Data{Type: "JSON", Data: map[string]any{"id": json.Number("7"), "amount": json.Number("12.50"), "tags": []any{"new"}}, Size: 39},
			Headers: []Header{
				{Name: "source", Value: strp("web"), ValueBase64: strp("d2Vi")},
				{Name: "trace", ValueBase64: strp("/w==")},
				{Name: "empty"},
			},
			Size: 68,
		},
		{Index: 1, Key: &Data{Type: "BINARY", Data: "AAE=", Size: 2}, Headers: []Header{}, Size: 2},
	}
	in.RecordsSummary = &RecordsSummary{Count: 2, Bytes: 70}
	in.Target = &Target{Topic: "orders", Cluster: in.Cluster}
	return in
}

// jwtMTLSInput is a produce's request phase for a caller who sent a JWT
// over a connection with a client certificate: both are sources, the JWT is
// the principal.
func jwtMTLSInput() *Input {
	in := produceInput(identity.Anonymous)
	peer := &identity.Peer{URISAN: "spiffe://cluster.local/ns/shop/sa/orders-writer", Subject: "CN=orders-writer,O=shop"}
	in.Principal = NewPrincipal(identity.Caller{
		Principal: identity.Principal{Type: identity.TypeJWT, ID: "alice"},
		Sources:   []string{identity.TypeJWT, identity.TypeMTLS},
		Claims: map[string]any{
			"iss": "https://idp.example.com", "sub": "alice", "aud": "topicgate",
			"exp": 1.7799e9, "groups": []any{"orders-writers"}, "tenant": map[string]any{"id": "t-7"},
		},
		Groups: []string{"orders-writers"},
		Peer:   peer,
	})
	return in
}

func TestInput_Golden(t *testing.T) {
	listTopics := &Input{
		Version: InputVersion, Phase: PhaseRequest, Action: "list_topics", Operation: "DESCRIBE",
		Resource:  Resource{Type: "CLUSTER", Name: "kafka-cluster"},
		Cluster:   Cluster{Name: "default", ID: "lkc-1"},
		Principal: principalOf(identity.Anonymous),
		Request: Request{
			ID: "req-2", Method: "GET", Path: "/v3/clusters/lkc-1/topics", API: "v3",
			Query: map[string][]string{}, Headers: map[string]string{"accept": "application/json", "user-agent": "curl/8"},
		},
	}
	tests := []struct {
		name string
		in   *Input
	}{
		{name: "input_request", in: listTopics},
		{name: "input_request_produce", in: produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})},
		{name: "input_records", in: recordsInput()},
		{name: "input_request_jwt_mtls", in: jwtMTLSInput()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(tt.in, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}
