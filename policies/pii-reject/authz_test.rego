package topicgate.authz_test

import data.topicgate.authz

writer := {"type": "api_key", "id": "support-tool"}

# A produce's records phase with values of the given types and data.
produce(topic, values) := {
	"version": "v1", "phase": "records", "action": "produce", "operation": "WRITE",
	"resource": {"type": "TOPIC", "name": topic}, "topic": topic, "principal": writer,
	"records": [{"index": i, "key": null, "value": v, "headers": [], "size": 10} | some i, v in values],
}

str(s) := {"type": "STRING", "data": s, "size": count(s)}

test_clean_records_are_written if {
	d := authz.decision with input as produce("tickets", [
		str("order 1714564800123 shipped"),
		{"type": "JSON", "data": {"id": 4111111111111112, "qty": 2}, "size": 30},
	])
	d.allow
	not d.denied_records
}

test_only_the_records_with_personal_data_are_dropped if {
	d := authz.decision with input as produce("tickets", [
		str("mail me at jo.doe+x@mail.example.co.uk"),
		str("nothing here"),
		{"type": "JSON", "data": {"card": "4111 1111 1111 1111"}, "size": 30},
	])
	d.allow
	d.denied_records == [
		{"index": 0, "reason": "record 0: the value looks like it holds an email address"},
		{"index": 2, "reason": "record 2: the value looks like it holds a card number"},
	]
}

test_a_strict_topic_refuses_the_whole_request if {
	d := authz.decision with input as produce("payments", [
		str("fine"),
		str("5500-0000-0000-0004 and jo@example.com"),
	])
	not d.allow
	d.status == 422
	d.reason == "record 1: the value looks like it holds a card number and an email address"
}

test_binary_values_are_decoded if {
	d := authz.decision with input as produce("tickets", [{"type": "BINARY", "data": base64.encode("to: a@b.io"), "size": 10}])
	d.denied_records[0].index == 0
}

test_card_numbers_must_pass_luhn if {
	authz.luhn("4111111111111111")
	authz.luhn("378282246310005") # 15 digits
	not authz.luhn("4111111111111112")
	not authz.luhn("1714564800123")
}

test_short_and_long_numbers_are_not_cards if {
	d := authz.decision with input as produce("tickets", [str("424242424242"), str("41111111111111111111111")])
	not d.denied_records
}

test_a_null_value_is_fine if {
	d := authz.decision with input as produce("tickets", [null])
	d.allow
	not d.denied_records
}

test_the_request_phase_does_not_look_at_records if {
	in_request := object.union(produce("payments", []), {"phase": "request"})
	authz.decision.allow with input as object.remove(in_request, ["records"])
}

test_others_may_not_write if {
	other := object.union(produce("tickets", [str("x")]), {"principal": {"type": "api_key", "id": "other"}})
	d := authz.decision with input as other
	not d.allow
	d.reason == `api_key "other" may not WRITE topic "tickets"`
}
