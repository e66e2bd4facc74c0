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

// One Accept parser serves reads (V2AcceptFormat) and polls (CheckPollAccept).
func TestAcceptNegotiation(t *testing.T) {
	tests := []struct {
		accept string
		read   string // the read's format; "" is a 406
		poll   map[string]bool
	}{
		{"", FormatBinary, map[string]bool{FormatBinary: true, FormatJSON: true, FormatText: true}},
		{"*/*", FormatBinary, map[string]bool{FormatBinary: true, FormatJSON: true, FormatText: true}},
		{"application/*", FormatBinary, map[string]bool{FormatText: true}},
		{MediaV2, FormatBinary, map[string]bool{FormatBinary: true, FormatJSON: true, FormatText: true}},
		{MediaV2Text, FormatText, map[string]bool{FormatText: true, FormatJSON: false}},
		// A list: the first listed of equal quality, else the highest quality.
		{MediaV2JSON + ", " + MediaV2Text, FormatJSON, map[string]bool{FormatJSON: true, FormatText: true, FormatBinary: false}},
		{MediaV2JSON + ";q=0.5, " + MediaV2Text, FormatText, map[string]bool{FormatJSON: true}},
		{"text/html, " + MediaV2JSON + "; q=0.5", FormatJSON, nil},
		// q=0 refuses, also a type a wildcard would take.
		{MediaV2Binary + ";q=0", "", map[string]bool{FormatBinary: false, FormatJSON: false}},
		{"*/*;q=0", "", map[string]bool{FormatBinary: false}},
		{"*/*, " + MediaV2Binary + ";q=0", FormatJSON, map[string]bool{FormatBinary: false, FormatJSON: true}},
		{MediaV2 + ", " + MediaV2Text + ";q=0.0", FormatBinary, map[string]bool{FormatText: false, FormatJSON: true}},
		// Neither a malformed quality nor another type accepts anything.
		{MediaV2Text + ";q=high", "", map[string]bool{FormatText: false}},
		{"application/json", "", map[string]bool{FormatJSON: false}},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			got, err := V2AcceptFormat(tt.accept)
			if tt.read == "" {
				adminWantErr(t, err, 406, 406, "HTTP 406 Not Acceptable: records are served as "+MediaV2Binary+", "+MediaV2JSON+" or "+MediaV2Text)
			} else if err != nil || got != tt.read {
				t.Errorf("V2AcceptFormat = %q, %v; want %q", got, err, tt.read)
			}
			for format, ok := range tt.poll {
				err := CheckPollAccept(tt.accept, format)
				if ok && err != nil {
					t.Errorf("poll of a %s instance refused: %v", format, err)
				}
				if !ok {
					adminWantErr(t, err, 406, 406, "does not match the embedded format")
				}
			}
		})
	}
}
