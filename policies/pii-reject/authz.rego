# Keep personal data out of Kafka: records whose value looks like it holds an
# email address or a payment card number are not written (phase "records").
#
#   - the writers may describe topics and produce to them;
#   - on the topics in `strict_topics` one such record refuses the whole
#     request: 422, the reason names each record and what it seems to hold,
#     and nothing is written;
#   - on other topics only those records are dropped: the decision allows the
#     request and lists them in `denied_records` (each with its reason), and
#     topicgate writes the others (docs/policy.md, "The decision");
#   - a value is searched as text: a STRING as is, JSON as its JSON text, a
#     BINARY value decoded from base64. An email address is
#     name@domain.tld; a card number is 13 to 19 digits, spaces or dashes
#     allowed between them, that pass the Luhn checksum (which spares most
#     order numbers and millisecond timestamps).
#
# The reasons say what kind of data was found, never the data: a reason is
# logged and shown to the client. To search keys or header values too, add
# texts in `texts` the same way.
#
# Try it:
#   topicgate policy test policies/pii-reject
#   topicgate policy eval -dir policies/pii-reject -principal api_key:support-tool \
#     'curl -H "Content-Type: application/json" http://localhost/v3/clusters/C/topics/tickets/records -d "{\"value\": {\"type\": \"STRING\", \"data\": \"mail me at jo@example.com\"}}"'
package topicgate.authz

writers := {"api_key:orders-service", "api_key:support-tool"}

strict_topics := {"payments"}

default allow := false

allow if {
	sprintf("%s:%s", [input.principal.type, input.principal.id]) in writers
	input.resource.type == "TOPIC"
	not input.resource.pattern_type
	input.operation in {"DESCRIBE", "WRITE"}
}

# texts: [record index, the text of its value].
texts contains [r.index, r.value.data] if {
	some r in input.records
	r.value.type == "STRING"
}

texts contains [r.index, json.marshal(r.value.data)] if {
	some r in input.records
	r.value.type == "JSON"
}

texts contains [r.index, base64.decode(r.value.data)] if {
	some r in input.records
	r.value.type == "BINARY"
}

email := `[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`

# found: [record index, kind of personal data].
found contains [i, "an email address"] if {
	some [i, text] in texts
	regex.match(email, text)
}

found contains [i, "a card number"] if {
	some [i, text] in texts
	some candidate in regex.find_n(`[0-9][0-9 -]{11,36}[0-9]`, text, -1)
	digits := regex.replace(candidate, `[ -]`, "")
	count(digits) >= 13
	count(digits) <= 19
	luhn(digits)
}

# luhn: the checksum of card numbers. From the right, every second digit is
# doubled (minus 9 when that is above 9); the sum is a multiple of 10.
luhn(digits) if {
	n := count(digits)
	terms := [luhn_term(to_number(d), (n - 1) - i) | some i, d in split(digits, "")]
	sum(terms) % 10 == 0
}

luhn_term(d, from_right) := d if from_right % 2 == 0

luhn_term(d, from_right) := 2 * d if {
	from_right % 2 == 1
	d < 5
}

luhn_term(d, from_right) := (2 * d) - 9 if {
	from_right % 2 == 1
	d >= 5
}

flagged := {i | some [i, _] in found}

record_reason(i) := sprintf("record %d: the value looks like it holds %s", [
	i, concat(" and ", sort({kind | some [j, kind] in found; j == i})),
])

reasons := [record_reason(i) | some i in sort(flagged)]

decision := {"allow": false, "status": 422, "reason": concat("; ", reasons)} if {
	allow
	input.topic in strict_topics
	count(flagged) > 0
} else := {
	"allow": true,
	"reason": "records with personal data are not written",
	"denied_records": [{"index": i, "reason": record_reason(i)} | some i in sort(flagged)],
} if {
	allow
	count(flagged) > 0
} else := {"allow": allow, "reason": reason}

reason := "allowed" if {
	allow
} else := sprintf("%s %q may not %s %s %q", [
	input.principal.type, input.principal.id,
	input.operation, lower(input.resource.type), input.resource.name,
])
