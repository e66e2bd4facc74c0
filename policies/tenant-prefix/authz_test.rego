package topicgate.authz_test

import data.topicgate.authz

acme := {"type": "api_key", "id": "acme-orders"}

req(principal, action, operation, rtype, name) := {
	"version": "v1", "phase": "request", "action": action, "operation": operation,
	"resource": {"type": rtype, "name": name}, "topic": name, "principal": principal,
}

test_a_tenant_writes_to_its_own_topic if {
	d := authz.decision with input as req(acme, "produce", "WRITE", "TOPIC", "orders")
	d.allow
	d.topic == "acme.orders"
}

test_both_phases_of_a_produce_name_the_same_topic if {
	records := object.union(req(acme, "produce", "WRITE", "TOPIC", "orders"), {
		"phase": "records",
		"records": [{"index": 0, "value": {"type": "STRING", "data": "x", "size": 1}}],
	})
	d := authz.decision with input as records
	d.allow
	d.topic == "acme.orders"
}

test_reads_and_describes_are_rewritten_too if {
	authz.decision.topic == "acme.orders" with input as req(acme, "read_records", "READ", "TOPIC", "orders")
	authz.decision.topic == "acme.orders" with input as req(acme, "get_topic", "DESCRIBE", "TOPIC", "orders")
}

test_a_tenant_cannot_reach_another_tenants_topic if {
	# It can only name topics under its own prefix.
	authz.decision.topic == "acme.globex.orders" with input as req(acme, "produce", "WRITE", "TOPIC", "globex.orders")
}

test_the_tenant_of_a_jwt_is_its_claim if {
	jwt := {"type": "jwt", "id": "alice", "claims": {"tenant": "initech", "sub": "alice"}}
	authz.decision.topic == "initech.orders" with input as req(jwt, "produce", "WRITE", "TOPIC", "orders")
}

test_no_tenant_no_access if {
	d := authz.decision with input as req({"type": "api_key", "id": "stranger"}, "produce", "WRITE", "TOPIC", "orders")
	not d.allow
	d.reason == `api_key "stranger" has no tenant`
	not d.topic
	not authz.decision.allow with input as req({"type": "jwt", "id": "bob", "claims": {"sub": "bob"}}, "produce", "WRITE", "TOPIC", "orders")
	not authz.decision.allow with input as req({"type": "jwt", "id": "bob", "claims": {"tenant": 7}}, "produce", "WRITE", "TOPIC", "orders")
}

test_listings_span_tenants if {
	d := authz.decision with input as req(acme, "list_topics", "DESCRIBE", "CLUSTER", "kafka-cluster")
	not d.allow
	d.reason == `tenant acme may not list_topics (DESCRIBE cluster "kafka-cluster")`
	authz.decision.allow with input as req(acme, "get_cluster", "DESCRIBE", "CLUSTER", "kafka-cluster")
}

test_admin_operations_are_denied if {
	not authz.decision.allow with input as req(acme, "delete_topic", "DELETE", "TOPIC", "orders")
	not authz.decision.allow with input as req(acme, "create_topic", "CREATE", "TOPIC", "orders")
}

test_consumer_groups_carry_the_prefix_themselves if {
	authz.decision.allow with input as req(acme, "create_consumer", "READ", "GROUP", "acme.billing")
	not authz.decision.allow with input as req(acme, "create_consumer", "READ", "GROUP", "billing")
	not authz.decision.allow with input as req(acme, "create_consumer", "READ", "GROUP", "globex.billing")
}

test_a_pattern_subscription_is_denied if {
	pattern := object.union(req(acme, "subscribe", "READ", "TOPIC", "orders.*"), {"resource": {"type": "TOPIC", "name": "orders.*", "pattern_type": "REGEX"}})
	not authz.decision.allow with input as pattern
}
