package kafkarest

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// The media types topicgate reads and writes. MediaV2 is the bridge's type
// for bodies that carry no records; the three others name an embedded format
// (and MediaV2JSON, despite its name, is the json-records type, not MediaV2).
const (
	MediaJSON     = "application/json"                     // every v3 body
	MediaV2       = "application/vnd.kafka.v2+json"        // v2 metadata and consumer bodies, v2 answers
	MediaV2JSON   = "application/vnd.kafka.json.v2+json"   // v2 records in the json format; POST /admin/topics
	MediaV2Binary = "application/vnd.kafka.binary.v2+json" // v2 records in the binary format
	MediaV2Text   = "application/vnd.kafka.text.v2+json"   // v2 records in the text format
)

// recordMediaTypes maps the embedded formats to their v2 media types, in the
// order of preference when a client accepts any (binary is the default).
var recordMediaTypes = []struct{ format, mediaType string }{
	{FormatBinary, MediaV2Binary},
	{FormatJSON, MediaV2JSON},
	{FormatText, MediaV2Text},
}

// RecordsMediaType is the v2 media type of records in an embedded format.
func RecordsMediaType(format string) string {
	for _, r := range recordMediaTypes {
		if r.format == format {
			return r.mediaType
		}
	}
	return MediaV2
}

// recordsFormat is the embedded format a v2 records media type names.
func recordsFormat(mediaType string) (string, bool) {
	for _, r := range recordMediaTypes {
		if r.mediaType == mediaType {
			return r.format, true
		}
	}
	return "", false
}

// ContentType is the media type of the API's answers: application/json for
// v3, application/vnd.kafka.v2+json for the Strimzi bridge API (v2).
func ContentType(api string) string {
	if api == "v2" {
		return MediaV2
	}
	return MediaJSON
}

// checkMediaType accepts a Content-Type whose media type (parameters aside)
// is one of allowed; anything else, or none, is 415. It returns the media type.
func checkMediaType(contentType string, allowed ...string) (string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		for _, a := range allowed {
			if mt == a {
				return mt, nil
			}
		}
	}
	shown := contentType
	if shown == "" {
		shown = "none"
	}
	return "", apierr.New(http.StatusUnsupportedMediaType, 415,
		"HTTP 415 Unsupported Media Type: expected Content-Type %s, got %s", orList(allowed), shown)
}

// orList joins "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// CheckJSONContentType checks the Content-Type of a v3 body: application/json.
func CheckJSONContentType(contentType string) error {
	_, err := checkMediaType(contentType, MediaJSON)
	return err
}

// CheckV2ContentType checks the Content-Type of a v2 consumer body: the
// bridge's application/vnd.kafka.v2+json, as its spec names for them. Like
// every v2 body, it is not taken as plain application/json.
func CheckV2ContentType(contentType string) error {
	_, err := checkMediaType(contentType, MediaV2)
	return err
}

// CheckV2CreateTopicContentType checks the Content-Type of POST
// /admin/topics: application/vnd.kafka.json.v2+json, as the bridge's spec
// names for it (not MediaV2, unlike the consumer bodies).
func CheckV2CreateTopicContentType(contentType string) error {
	_, err := checkMediaType(contentType, MediaV2JSON)
	return err
}

// V2ProduceFormat returns the embedded format (json, binary, text) a bridge
// produce request's Content-Type names; any other type is 415.
func V2ProduceFormat(contentType string) (string, error) {
	mt, err := checkMediaType(contentType, MediaV2JSON, MediaV2Binary, MediaV2Text)
	if err != nil {
		return "", err
	}
	f, _ := recordsFormat(mt)
	return f, nil
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	mediaType string  // lower case; may be */* or type/*
	q         float64 // quality, 0 to 1; 0 refuses
	pos       int     // its position in the header
}

// parseAccept reads the media ranges of an Accept header with their quality
// (q, 1 by default). Malformed ranges and qualities are skipped.
func parseAccept(accept string) []mediaRange {
	var out []mediaRange
	for i, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		out = append(out, mediaRange{mediaType: mt, q: q, pos: i})
	}
	return out
}

// specificity says how closely a media range names an offered type: 3 the
// type itself, 2 the bridge's generic application/vnd.kafka.v2+json for a
// records type (the bridge answers a poll that accepts it), 1 type/*, 0 */*;
// -1 not at all.
func specificity(r, offer string) int {
	switch {
	case r == offer:
		return 3
	case r == MediaV2:
		if _, ok := recordsFormat(offer); ok {
			return 2
		}
	case strings.HasSuffix(r, "/*") && strings.HasPrefix(offer, strings.TrimSuffix(r, "*")):
		return 1
	case r == "*/*":
		return 0
	}
	return -1
}

// negotiate picks the offered media type (offers in the server's order of
// preference) an Accept header prefers. Each offer gets the quality of the
// most specific range that names it; q=0 or no range refuses it. The
// highest quality wins; a tie goes to the range listed first, then to the
// earlier offer. No Accept header takes the first offer.
func negotiate(accept string, offers ...string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], true
	}
	ranges := parseAccept(accept)
	best, bestQ, bestPos := "", 0.0, 0
	for _, o := range offers {
		spec, match := -1, mediaRange{}
		for _, r := range ranges {
			if s := specificity(r.mediaType, o); s > spec {
				spec, match = s, r
			}
		}
		if spec < 0 || match.q == 0 {
			continue
		}
		if best == "" || match.q > bestQ || (match.q == bestQ && match.pos < bestPos) {
			best, bestQ, bestPos = o, match.q, match.pos
		}
	}
	return best, best != ""
}
