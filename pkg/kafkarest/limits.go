package kafkarest

import (
	"net/http"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// TooManyRecords refuses a produce request with more than limit records, in
// the status and envelope its form uses for limits.max_records: 400/400 for
// v3 records (Confluent's produce), 422/42208 for records:batch (Confluent's
// batch error), 422 for the bridge's produce. One problem, one answer,
// whichever limit (the gateway's or the policy's) it broke.
func TooManyRecords(api string, action Action, limit, got int) *apierr.Error {
	msg := tooManyRecords(limit, got)
	switch {
	case api == "v2":
		return invalidRecords("%s", msg)
	case action == ProduceBatch:
		return BatchError("%s", msg)
	}
	return apierr.BadRequest("%s", msg)
}

// InvalidValue is the 422 of a record value that its topic's schema
// refuses: error_code 42206 (Confluent's invalid payload) in v3, 422 in v2.
func InvalidValue(format string, args ...any) *apierr.Error {
	return apierr.New(http.StatusUnprocessableEntity, 42206, format, args...)
}
