package topicgate.authz_test

import data.topicgate.authz

anonymous := {"type": "anonymous", "id": "anonymous"}

demo := {"type": "api_key", "id": "demo"}

req(principal, action, operation, rtype, rname) := {
	"version": "v1", "phase": "request", "action": action, "operation": operation,
	"resource": {"type": rtype, "name": rname}, "principal": principal,
}

test_anonymous_may_list_topics if {
	authz.decision.allow with input as req(anonymous, "list_topics", "DESCRIBE", "CLUSTER", "c1")
}

test_anonymous_may_not_describe_cluster if {
	not authz.decision.allow with input as req(anonymous, "get_cluster", "DESCRIBE", "CLUSTER", "c1")
}

test_anonymous_may_not_produce if {
	d := authz.decision with input as req(anonymous, "produce", "WRITE", "TOPIC", "orders")
	not d.allow
	d.reason == `anonymous "anonymous" may not WRITE topic "orders"`
}

test_demo_may_produce_to_orders if {
	authz.decision.allow with input as req(demo, "produce", "WRITE", "TOPIC", "orders")
}

test_demo_may_describe_orders if {
	authz.decision.allow with input as req(demo, "get_topic", "DESCRIBE", "TOPIC", "orders")
}

test_demo_may_describe_cluster if {
	authz.decision.allow with input as req(demo, "list_clusters", "DESCRIBE", "CLUSTER", "")
}

test_demo_may_not_produce_elsewhere if {
	not authz.decision.allow with input as req(demo, "produce", "WRITE", "TOPIC", "payments")
}

test_other_key_denied if {
	not authz.decision.allow with input as req({"type": "api_key", "id": "other"}, "produce", "WRITE", "TOPIC", "orders")
}

test_demo_may_read_orders if {
	authz.decision.allow with input as req(demo, "read_records", "READ", "TOPIC", "orders")
}

test_demo_may_use_demo_groups if {
	authz.decision.allow with input as req(demo, "create_consumer", "READ", "GROUP", "demo-app")
	authz.decision.allow with input as req(demo, "list_group_lags", "DESCRIBE", "GROUP", "demo-app")
}

test_demo_may_not_use_other_groups if {
	not authz.decision.allow with input as req(demo, "create_consumer", "READ", "GROUP", "billing")
}

test_demo_may_not_delete_orders if {
	not authz.decision.allow with input as req(demo, "delete_topic", "DELETE", "TOPIC", "orders")
}

test_demo_may_not_subscribe_to_a_pattern if {
	pattern := object.union(req(demo, "subscribe", "READ", "TOPIC", "orders|payments"), {"resource": {"type": "TOPIC", "name": "orders|payments", "pattern_type": "REGEX"}})
	not authz.decision.allow with input as pattern
}

demo_jwt := {"type": "jwt", "id": "demo-user", "sources": ["jwt"], "groups": ["demo"], "claims": {"sub": "demo-user", "groups": ["demo"]}}

orders_writer := {
	"type": "mtls", "id": "spiffe://cluster.local/ns/shop/sa/orders-writer", "sources": ["mtls"], "groups": [],
	"spiffe_id": "spiffe://cluster.local/ns/shop/sa/orders-writer",
}

test_a_jwt_of_the_demo_group_may_do_what_the_demo_key_does if {
	authz.decision.allow with input as req(demo_jwt, "produce", "WRITE", "TOPIC", "orders")
	authz.decision.allow with input as req(demo_jwt, "create_consumer", "READ", "GROUP", "demo-app")
}

test_a_jwt_of_another_group_is_denied if {
	other := object.union(demo_jwt, {"groups": ["billing"]})
	not authz.decision.allow with input as req(other, "produce", "WRITE", "TOPIC", "orders")
}

test_the_orders_writer_certificate_may_produce_to_orders if {
	authz.decision.allow with input as req(orders_writer, "produce", "WRITE", "TOPIC", "orders")
}

test_the_orders_writer_certificate_may_not_read if {
	not authz.decision.allow with input as req(orders_writer, "read_records", "READ", "TOPIC", "orders")
}

test_another_certificate_is_denied if {
	other := object.union(orders_writer, {"id": "spiffe://cluster.local/ns/shop/sa/other", "spiffe_id": "spiffe://cluster.local/ns/shop/sa/other"})
	not authz.decision.allow with input as req(other, "produce", "WRITE", "TOPIC", "orders")
}
