package kafkarest

import (
	"strings"
	"testing"
)

// Every body check goes through checkMediaType: one 415, one wording.
func TestContentTypeChecks(t *testing.T) {
	checks := map[string]func(string) error{
		"v3":        CheckJSONContentType,
		"v2":        CheckV2ContentType,
		"v2 create": CheckV2CreateTopicContentType,
		"v2 produce": func(ct string) error {
			_, err := V2ProduceFormat(ct)
			return err
		},
	}
	tests := []struct {
		check, contentType string
		ok                 bool
		message            string // a part of the 415's
	}{
		{"v3", "application/json; charset=utf-8", true, ""},
		{"v3", "Application/JSON", true, ""},
		{"v3", "", false, "HTTP 415 Unsupported Media Type: expected Content-Type application/json, got none"},
		{"v3", MediaV2, false, "expected Content-Type application/json, got application/vnd.kafka.v2+json"},
		{"v2", MediaV2, true, ""},
		{"v2", "text/plain", false, "HTTP 415 Unsupported Media Type: expected Content-Type application/vnd.kafka.v2+json"},
		{"v2 create", MediaV2JSON, true, ""},
		{"v2 create", "application/json", false, "HTTP 415 Unsupported Media Type: expected Content-Type application/vnd.kafka.json.v2+json, got application/json"},
		{"v2 produce", MediaV2Binary + "; charset=utf-8", true, ""},
		{"v2 produce", "application/vnd.kafka.avro.v2+json", false,
			"HTTP 415 Unsupported Media Type: expected Content-Type application/vnd.kafka.json.v2+json, application/vnd.kafka.binary.v2+json or application/vnd.kafka.text.v2+json, got application/vnd.kafka.avro.v2+json"},
		{"v2 produce", "not a media type", false, "got not a media type"},
	}
	for _, tt := range tests {
		t.Run(tt.check+" "+tt.contentType, func(t *testing.T) {
			err := checks[tt.check](tt.contentType)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			adminWantErr(t, err, 415, 415, tt.message)
		})
	}
}

// The embedded formats and their media types map both ways.
func TestRecordsMediaType(t *testing.T) {
	for _, f := range []string{FormatBinary, FormatJSON, FormatText} {
		mt := RecordsMediaType(f)
		if !strings.HasPrefix(mt, "application/vnd.kafka."+f+".v2+json") {
			t.Errorf("RecordsMediaType(%s) = %s", f, mt)
		}
		if got, err := V2ProduceFormat(mt); got != f || err != nil {
			t.Errorf("V2ProduceFormat(%s) = %s, %v", mt, got, err)
		}
	}
}
