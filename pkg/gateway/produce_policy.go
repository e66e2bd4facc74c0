package gateway

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/topicgate/topicgate/pkg/apierr"
	"github.com/topicgate/topicgate/pkg/kafkarest"
	"github.com/topicgate/topicgate/pkg/policy"
)

// What the records-phase decision does to a produce's records: its
// denied_records refuse single records, and every record it admits carries
// its id.

// DecisionIDHeader is the Kafka record header that carries the id of the
// records-phase decision that admitted the record, as in the decision log
// and the answer's x-topicgate-decision-id. Clients may not send it.
const DecisionIDHeader = "topicgate-decision-id"

// decisionHeaderBytes is what the header adds to a record: its name, a
// 36-character UUID, and its varints (checkRecord's 8 bytes per header).
const decisionHeaderBytes = len(DecisionIDHeader) + 36 + 8

// checkNoDecisionHeader refuses a record that carries DecisionIDHeader, in
// any case: only topicgate writes it, so a reader can trust it.
func checkNoDecisionHeader(r *kafkarest.Record, label string) *apierr.Error {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, DecisionIDHeader) {
			return apierr.BadRequest("%s: the record header %s is reserved: topicgate sets it to the id of the decision that admitted the record", label, DecisionIDHeader)
		}
	}
	return nil
}

// recordDenied is the answer for one record the policy refused.
func recordDenied(reason string) *apierr.Error {
	msg := "Record denied by policy"
	if reason != "" {
		msg += ": " + reason
	}
	return apierr.New(http.StatusForbidden, 40301, "%s", msg)
}

// recordDenials maps an allowing decision's denied_records (by
// input.records[_].index, which the policy engine checked) to one error
// per record: nil where the record is admitted.
func recordDenials(d *policy.Decision, records []kafkarest.Record) []*apierr.Error {
	errs := make([]*apierr.Error, len(records))
	if len(d.DeniedRecords) == 0 {
		return errs
	}
	reasons := make(map[int]string, len(d.DeniedRecords))
	for _, r := range d.DeniedRecords {
		reasons[r.Index] = r.Reason
	}
	for i := range records {
		if reason, ok := reasons[records[i].Index]; ok {
			errs[i] = recordDenied(reason)
		}
	}
	return errs
}

// firstDenied describes the first record d refuses, "" if none: a request
// that can answer only for all its records at once (v2 async) is refused
// whole.
func firstDenied(d *policy.Decision) string {
	if len(d.DeniedRecords) == 0 {
		return ""
	}
	r := d.DeniedRecords[0]
	s := "record " + strconv.Itoa(r.Index)
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}
