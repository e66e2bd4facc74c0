package policy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/topicgate/topicgate/pkg/identity"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// jwt is a made-up token with a JWT's shape.
const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"

// secretsInput is recordsInput with credentials a deployment might let
// through: headers and query parameters named or shaped like credentials,
// and record headers carrying them.
func secretsInput() *Input {
	in := recordsInput()
	in.Request.Headers = map[string]string{
		"content-type":             "application/json",
		"user-agent":               "curl/8",
		"x-auth-token":             "opaque-token-value",
		"x-forwarded-access-token": "t0k3n",
		"x-custom":                 "Bearer abc.def",
		"x-claims":                 "prefix " + jwt,
	}
	in.Request.Query = map[string][]string{"access_token": {"q-token"}, "dry_run": {"false"}, "next": {jwt}}
	in.Records[0].Headers = append(in.Records[0].Headers,
		Header{Name: "Authorization", Value: strp("Basic d3JpdGVyOnNlY3JldA=="), ValueBase64: strp("QmFzaWMgZDNKcGRHVnlPbk5sWTNKbGRBPT0=")},
		Header{Name: "forwarded", Value: strp(jwt), ValueBase64: strp("ZXlK")},
	)
	return in
}

// encodeLine encodes a decision line as the JSON encoder writes it, without
// the time, so that it can be compared with a golden file.
func encodeLine(t *testing.T, fields []zap.Field) []byte {
	t.Helper()
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = ""
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	buf, err := zapcore.NewJSONEncoder(cfg).EncodeEntry(zapcore.Entry{Level: zapcore.InfoLevel, LoggerName: "decision", Message: "decision"}, fields)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(buf.Bytes())
}

func TestDecisionLine_Golden(t *testing.T) {
	d := &Decision{
		ID: "0233e6a1-68cb-43bc-b431-638d35dd032a", Allow: true, Reason: "allowed", Duration: 266 * time.Microsecond,
		DeniedRecords: []RecordDenial{{Index: 1, Reason: "no"}}, Topic: "tenant-a.orders",
		Limits: &Limits{MaxRecords: 10, BytesPerSec: 1024.5},
	}
	for _, mode := range LogInputModes {
		t.Run(mode, func(t *testing.T) {
			got := encodeLine(t, decisionLine(secretsInput(), d, "426fda3f6743bb3b", mode))
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", "decision_log_"+mode+".golden.json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
				t.Errorf("decision line (-golden +got):\n%s", diff)
			}
		})
	}
}

// No mode logs a secret, and the masked mode no record contents.
func TestDecisionLine_NoSecrets(t *testing.T) {
	secrets := []string{
		"opaque-token-value", "t0k3n", "Bearer abc", jwt, "q-token", "d3JpdGVyOnNlY3JldA", "QmFzaWMg",
	}
	contents := []string{"order-7", "AAE=", "d2Vi", "/w==", "12.50"}
	d := &Decision{ID: "x", Allow: true}
	for _, mode := range LogInputModes {
		line := string(encodeLine(t, decisionLine(secretsInput(), d, "", mode)))
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("mode %s logs the secret %q: %s", mode, s, line)
			}
		}
		for _, c := range contents {
			if logged := strings.Contains(line, c); logged != (mode == LogInputFull) {
				t.Errorf("mode %s: record content %q logged=%v", mode, c, logged)
			}
		}
	}
}

// The full mode is the input document as the policy sees it (its JSON
// form), so that a new input field cannot silently go missing from the
// log.
func TestDecisionLine_FullIsTheInput(t *testing.T) {
	admin := produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"})
	count, retention := 3, "60000"
	admin.Admin = &Admin{PartitionsCount: &count, Configs: []AdminConfig{
		{Name: "retention.ms", Value: &retention, Operation: "SET"}, {Name: "cleanup.policy", Operation: "DELETE"},
	}}
	for name, in := range map[string]*Input{"request": produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"}), "records": recordsInput(), "admin": admin} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			line := encodeLine(t, decisionLine(in, &Decision{ID: "x"}, "", LogInputFull))
			var got struct {
				Input json.RawMessage `json:"input"`
			}
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatal(err)
			}
			var a, b any
			if err := json.Unmarshal(want, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got.Input, &b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("logged input differs from the input (-input +logged):\n%s", diff)
			}
		})
	}
}

func TestDecisionLine_Error(t *testing.T) {
	line := string(encodeLine(t, decisionLine(produceInput(identity.Principal{Type: identity.TypeAPIKey, ID: "demo"}),
		&Decision{ID: "x", Err: errors.New("boom")}, "", LogInputNone)))
	if !strings.Contains(line, `"policy_error":"boom"`) || strings.Contains(line, `"input"`) {
		t.Errorf("line %s", line)
	}
}

func TestLooksLikeCredential(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{jwt, true},
		{"token=" + jwt + "; path=/", true},
		{"Bearer x", true},
		{"basic d3JpdGVy", true},
		{"curl/8.5.0", false},
		{"eyJ is a prefix, not a token", false},
		{"eyJhbGciOiJIUzI1NiJ9.only-two-parts", false},
		{"application/json", false},
	}
	for _, tt := range tests {
		if got := looksLikeCredential(tt.value); got != tt.want {
			t.Errorf("looksLikeCredential(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestBase64Len(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "\xff\x00\x01\x02\x03"} {
		enc := base64Std(s)
		if got := base64Len(enc); got != len(s) {
			t.Errorf("base64Len(%q) = %d, want %d", enc, got, len(s))
		}
	}
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// BenchmarkDecisionLine measures writing one decision line of a produce of
// 100 records of 1 KiB, per input mode, through zap's JSON encoder.
func BenchmarkDecisionLine(b *testing.B) {
	in := recordsInput()
	in.Records = nil
	value := base64Std(strings.Repeat("v", 1024))
	for i := range 100 {
		in.Records = append(in.Records, Record{
			Index: i, Size: 1030, Headers: []Header{{Name: "trace", Value: strp("t-1"), ValueBase64: strp("dC0x")}},
			Key:   &Data{Type: "STRING", Data: "key-00", Size: 6},
			Value: &Data{Type: "BINARY", Data: value, Size: 1024},
		})
	}
	in.RecordsSummary = &RecordsSummary{Count: 100, Bytes: 103000}
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	d := &Decision{ID: "0233e6a1-68cb-43bc-b431-638d35dd032a", Allow: true, Duration: time.Millisecond}
	for _, mode := range LogInputModes {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				log.Info("decision", decisionLine(in, d, "426fda3f6743bb3b", mode)...)
			}
		})
	}
}
