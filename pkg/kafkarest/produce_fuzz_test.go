package kafkarest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// encodeRecords writes records back in the wire form ParseProduce reads, with
// the bytes Kafka would get: parsing the result must give the same records.
func encodeRecords(t testing.TB, records []Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	data := func(d *Data) any {
		if d == nil {
			return nil
		}
		out := map[string]any{"type": d.Type, "data": nil}
		switch {
		case d.Bytes == nil:
		case d.Type == "BINARY":
			out["data"] = base64.StdEncoding.EncodeToString(d.Bytes)
		case d.Type == "STRING":
			out["data"] = string(d.Bytes)
		case d.Type == "JSON":
			out["data"] = json.RawMessage(d.Bytes)
		}
		return out
	}
	for _, r := range records {
		w := map[string]any{"key": data(r.Key), "value": data(r.Value)}
		if r.Partition != nil {
			w["partition_id"] = *r.Partition
		}
		if r.Timestamp != nil {
			w["timestamp"] = r.Timestamp.Format(time.RFC3339Nano)
		}
		var hs []map[string]any
		for _, h := range r.Headers {
			var v any
			if h.Value != nil {
				v = base64.StdEncoding.EncodeToString(h.Value)
			}
			hs = append(hs, map[string]any{"name": h.Name, "value": v})
		}
		w["headers"] = hs
		if err := enc.Encode(w); err != nil {
			t.Fatalf("encoding %+v: %v", r, err)
		}
	}
	return buf.Bytes()
}

var produceSeeds = []string{
	`{"key":{"type":"BINARY","data":"aGVsbG8="},"value":{"type":"JSON","data":{"a": 1, "b": [true, null]}}}`,
	`{"value":{"type":"STRING","data":"a"}} {"value":{"type":"STRING","data":"b"}}`,
	`{"partition_id":1,"timestamp":"2024-05-01T14:30:00.5+02:00","headers":[{"name":"h","value":"dmFsdWU="},{"name":"n","value":null}]}`,
	`{"key":{"type":"BINARY"},"value":{"type":"JSON","data":null}}`,
	`{"value":{"type":"JSON","data":"<a href=\"x\">\u2028</a>"}}`,
	`{}`,
	`null`,
	``,
	`{"value":{"type":"AVRO","data":{}}}`,
	`{"value":{"schema_id":3}}`,
	`{"value":{"type":"BINARY","data":"!!"}}`,
	`{"headers":[{"value":"YQ=="}]}`,
	`{"partition_id":-3}`,
	`{"timestamp":"2024-13-01T00:00:00Z"}`,
	`{"value":`,
	`[1,2,3]`,
}

func FuzzParseProduce(f *testing.F) {
	for _, s := range produceSeeds {
		f.Add([]byte(s))
	}
	ignoreRaw := cmpopts.IgnoreFields(Data{}, "JSON")
	f.Fuzz(func(t *testing.T, body []byte) {
		records, err := ParseProduce(body, 0)
		// The fast path must find what encoding/json's Decoder finds, or
		// leave the body to it.
		slow, slowErr := parseProduceSlow(body, 0)
		if fmt.Sprint(err) != fmt.Sprint(slowErr) {
			t.Fatalf("ParseProduce(%q): error %v, the Decoder's %v", body, err, slowErr)
		}
		if diff := cmp.Diff(slow, records, ignoreRaw); diff != "" {
			t.Fatalf("ParseProduce(%q) differs from the Decoder's records (-decoder +fast):\n%s", body, diff)
		}
		if err != nil {
			ae := asAPIError(t, err)
			if ae.Status < 400 || ae.Status > 499 || (ae.Code != 400 && ae.Code != 422) {
				t.Fatalf("ParseProduce(%q): error %d/%d is not a client error", body, ae.Status, ae.Code)
			}
			if records != nil {
				t.Fatalf("ParseProduce(%q) returned records with an error", body)
			}
			return
		}
		if len(records) == 0 {
			t.Fatalf("ParseProduce(%q) succeeded with no records", body)
		}
		for i, r := range records {
			if r.Index != i {
				t.Fatalf("record %d has Index %d", i, r.Index)
			}
			if r.Partition != nil && *r.Partition < 0 {
				t.Fatalf("record %d has partition %d", i, *r.Partition)
			}
			for _, d := range []*Data{r.Key, r.Value} {
				if d != nil && d.Type != "BINARY" && d.Type != "JSON" && d.Type != "STRING" {
					t.Fatalf("record %d has data of type %q", i, d.Type)
				}
			}
		}
		again, err := ParseProduce(body, 0)
		if err != nil {
			t.Fatalf("second ParseProduce(%q) failed: %v", body, err)
		}
		if diff := cmp.Diff(records, again); diff != "" {
			t.Fatalf("ParseProduce(%q) is not deterministic (-first +second):\n%s", body, diff)
		}
		wire := encodeRecords(t, records)
		reparsed, err := ParseProduce(wire, 0)
		if err != nil {
			t.Fatalf("ParseProduce of re-encoded %q (from %q) failed: %v", wire, body, err)
		}
		// BINARY text is kept as sent, and base64 may carry unused bits
		// ("001=" is the bytes of "000="): the bytes must survive, not the
		// spelling.
		binaryText := cmp.FilterPath(func(p cmp.Path) bool {
			if len(p) < 2 || p.Last().String() != ".Text" {
				return false
			}
			vx, _ := p.Index(-2).Values()
			if !vx.IsValid() || !vx.CanInterface() {
				return false
			}
			d, ok := vx.Interface().(Data)
			return ok && d.Type == "BINARY"
		}, cmp.Ignore())
		if diff := cmp.Diff(records, reparsed, ignoreRaw, binaryText); diff != "" {
			t.Fatalf("records of %q re-encoded as %q differ (-first +reparsed):\n%s", body, wire, diff)
		}
	})
}

func BenchmarkParseProduce(b *testing.B) {
	value := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, 1024))
	one := `{"key":{"type":"STRING","data":"order-1"},"headers":[{"name":"source","value":"dGVzdA=="}],"value":{"type":"BINARY","data":"` + value + `"}}`
	small := `{"key":{"type":"STRING","data":"order-1"},"value":{"type":"JSON","data":{"id":1,"amount":12.5,"items":["a","b"]}}}`
	cases := []struct {
		name    string
		body    []byte
		records int
	}{
		{name: "1 record 1KiB value", body: []byte(one), records: 1},
		{name: "100 records", body: []byte(strings.Repeat(small+"\n", 100)), records: 100},
		{name: "100 records 1KiB values", body: []byte(strings.Repeat(one, 100)), records: 100},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				rs, err := ParseProduce(c.body, 1000)
				if err != nil || len(rs) != c.records {
					b.Fatalf("got %d records, err %v", len(rs), err)
				}
			}
		})
	}
}
