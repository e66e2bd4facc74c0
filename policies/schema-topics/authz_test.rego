package topicgate.authz_test

import data.topicgate.authz

writer := {"type": "api_key", "id": "orders-service"}

req(principal, action, operation, topic) := {
	"version": "v1", "phase": "request", "action": action, "operation": operation,
	"resource": {"type": "TOPIC", "name": topic}, "topic": topic, "principal": principal,
}

test_a_produce_to_orders_names_its_schema if {
	d := authz.decision with input as req(writer, "produce", "WRITE", "orders")
	d.allow
	d.value_schema == "orders.v1"
}

test_both_phases_name_it if {
	records := object.union(req(writer, "produce_batch", "WRITE", "orders"), {
		"phase": "records",
		"records": [{"index": 0, "value": {"type": "JSON", "data": {"order_id": "o-1"}, "size": 18}}],
	})
	authz.decision.value_schema == "orders.v1" with input as records
}

test_a_topic_without_a_schema_takes_anything if {
	d := authz.decision with input as req(writer, "produce", "WRITE", "clicks")
	d.allow
	not d.value_schema
}

test_describing_needs_no_schema if {
	d := authz.decision with input as req(writer, "get_topic", "DESCRIBE", "orders")
	d.allow
	not d.value_schema
}

test_others_may_not_write if {
	d := authz.decision with input as req({"type": "api_key", "id": "reader"}, "produce", "WRITE", "orders")
	not d.allow
	d.reason == `api_key "reader" may not WRITE topic "orders"`
	not authz.decision.allow with input as req(writer, "read_records", "READ", "orders")
}
