package kafkarest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/topicgate/topicgate/pkg/apierr"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// rendered is one body the package renders, the schema of the Confluent spec
// it must satisfy, and whether it is several concatenated documents.
type rendered struct {
	name   string // golden file: testdata/<name>.golden.json
	schema string // components/schemas/<schema> in the Confluent v3 spec
	multi  bool   // concatenated documents, each of the schema
	body   func() ([]byte, error)
}

var testLinks = NewLinks("https", "gw.example.com:8443", "/kafka/v3")

var ordersTopic = Topic{
	Name: "orders", ReplicationFactor: 3,
	Partitions: []Partition{{ID: 0, Leader: 1}, {ID: 1, Leader: -1}},
}

func produceResultsFixture() []ProduceResult {
	ts := time.Date(2024, 5, 1, 12, 30, 0, 123000000, time.FixedZone("CEST", 2*3600))
	return []ProduceResult{
		{
			ClusterID: "lkc-1", Topic: "orders", Partition: 1, Offset: 42, Timestamp: ts,
			Record: &Record{Index: 0, Key: &Data{Type: "STRING", Bytes: []byte("k1")}, Value: &Data{Type: "JSON", Bytes: []byte(`{"a":1}`)}},
		},
		{
			ClusterID: "lkc-1", Topic: "orders", Partition: 0, Offset: 0, Timestamp: ts,
			Record: &Record{Index: 1, Value: &Data{Type: "BINARY"}},
		},
		{
			Record: &Record{Index: 2, Value: &Data{Type: "STRING", Bytes: []byte("v")}},
			Err:    apierr.New(http.StatusGatewayTimeout, 50003, "Kafka did not answer in time; a record being produced may or may not have been written."),
		},
	}
}

func renderedBodies() []rendered {
	return []rendered{
		{name: "cluster_list", schema: "ClusterDataList", body: func() ([]byte, error) {
			return testLinks.ClusterList([]Cluster{{ID: "lkc-1", ControllerID: 2}, {ID: "lkc-2", ControllerID: -1}})
		}},
		{name: "cluster_list_empty", schema: "ClusterDataList", body: func() ([]byte, error) {
			return testLinks.ClusterList(nil)
		}},
		{name: "cluster", schema: "ClusterData", body: func() ([]byte, error) {
			return testLinks.Cluster(Cluster{ID: "lkc-1", ControllerID: 2})
		}},
		{name: "cluster_no_controller", schema: "ClusterData", body: func() ([]byte, error) {
			return testLinks.Cluster(Cluster{ID: "lkc-1", ControllerID: -1})
		}},
		{name: "topic_list", schema: "TopicDataList", body: func() ([]byte, error) {
			return testLinks.TopicList("lkc-1", []Topic{ordersTopic, {Name: "__consumer_offsets", Internal: true, ReplicationFactor: 1, Partitions: []Partition{{ID: 0}}}})
		}},
		{name: "topic_list_empty", schema: "TopicDataList", body: func() ([]byte, error) {
			return testLinks.TopicList("lkc-1", nil)
		}},
		{name: "topic", schema: "TopicData", body: func() ([]byte, error) {
			return testLinks.Topic("lkc-1", ordersTopic)
		}},
		{name: "partition_list", schema: "PartitionDataList", body: func() ([]byte, error) {
			return testLinks.PartitionList("lkc-1", ordersTopic)
		}},
		{name: "produce_results", schema: "ProduceResponse", multi: true, body: func() ([]byte, error) {
			return ProduceResults(produceResultsFixture())
		}},
		{name: "error", schema: "Error", body: func() ([]byte, error) {
			return ErrorBody("v3", apierr.UnknownTopic), nil
		}},
	}
}

func TestRender_Golden(t *testing.T) {
	for _, r := range renderedBodies() {
		t.Run(r.name, func(t *testing.T) {
			got, err := r.body()
			if err != nil {
				t.Fatalf("rendering: %v", err)
			}
			// The file ends with a newline; the body does not.
			got = append(got, '\n')
			path := filepath.Join("testdata", r.name+".golden.json")
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

func TestNewLinks(t *testing.T) {
	tests := []struct {
		name                      string
		scheme, authority, prefix string
		want                      string
	}{
		{name: "as given", scheme: "https", authority: "gw:8443", prefix: "/kafka/v3", want: "https://gw:8443/kafka/v3"},
		{name: "scheme defaults to http", authority: "gw", prefix: "/v3", want: "http://gw/v3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewLinks(tt.scheme, tt.authority, tt.prefix).Base; got != tt.want {
				t.Errorf("Base = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProduceResults_OneDocumentPerRecordInOrder(t *testing.T) {
	body, err := ProduceResults(produceResultsFixture())
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var got []map[string]any
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("decoding %s: %v", body, err)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{
			"error_code": 200.0, "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 1.0, "offset": 42.0,
			"timestamp": "2024-05-01T10:30:00.123Z",
			"key":       map[string]any{"type": "STRING", "size": 2.0},
			"value":     map[string]any{"type": "JSON", "size": 7.0},
		},
		{
			"error_code": 200.0, "cluster_id": "lkc-1", "topic_name": "orders", "partition_id": 0.0, "offset": 0.0,
			"timestamp": "2024-05-01T10:30:00.123Z",
			"value":     map[string]any{"type": "BINARY", "size": 0.0},
		},
		{"error_code": 50003.0, "message": "Kafka did not answer in time; a record being produced may or may not have been written."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ProduceResults mismatch (-want +got):\n%s", diff)
	}
	if n := bytes.Count(body, []byte("\n")); n != 2 {
		t.Errorf("body has %d newlines, want 2 (one between each pair of results):\n%s", n, body)
	}
}

func TestProduceResults_Empty(t *testing.T) {
	body, err := ProduceResults(nil)
	if err != nil || len(body) != 0 {
		t.Errorf("ProduceResults(nil) = %q, %v; want an empty body", body, err)
	}
}

func BenchmarkProduceResults(b *testing.B) {
	results := make([]ProduceResult, 100)
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range results {
		results[i] = ProduceResult{
			ClusterID: "lkc-1", Topic: "orders", Partition: int32(i % 3), Offset: int64(i), Timestamp: ts,
			Record: &Record{Index: i, Key: &Data{Type: "STRING", Bytes: []byte("key")}, Value: &Data{Type: "JSON", Bytes: []byte(`{"a":1}`)}},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ProduceResults(results); err != nil {
			b.Fatal(err)
		}
	}
}

func TestErrorBody_PerAPI(t *testing.T) {
	e := apierr.UnknownTopic
	if got, want := string(ErrorBody("v3", e)), `{"error_code":40403,"message":"This server does not host this topic-partition."}`; got != want {
		t.Errorf("v3: %s, want %s", got, want)
	}
	if got, want := string(ErrorBody("v2", e)), `{"error_code":404,"message":"This server does not host this topic-partition."}`; got != want {
		t.Errorf("v2: %s, want %s", got, want)
	}
}
