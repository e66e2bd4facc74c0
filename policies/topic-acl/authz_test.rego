package topicgate.authz_test

import data.topicgate.authz

key(id) := {"type": "api_key", "id": id}

# A JWT principal in groups (the principal fields of JWT and mTLS identities).
member(groups) := {"type": "jwt", "id": "alice", "groups": groups}

req(principal, operation, rtype, name) := {
	"version": "v1", "phase": "request", "action": "test", "operation": operation,
	"resource": {"type": rtype, "name": name}, "principal": principal,
}

test_a_key_may_do_what_its_entry_says if {
	authz.decision.allow with input as req(key("orders-service"), "WRITE", "TOPIC", "orders")
	authz.decision.allow with input as req(key("orders-service"), "DESCRIBE", "TOPIC", "orders")
}

test_and_nothing_more if {
	d := authz.decision with input as req(key("orders-service"), "READ", "TOPIC", "orders")
	not d.allow
	d.reason == `api_key:orders-service may not READ topic "orders" (no ACL entry allows it)`
}

test_a_prefix_covers_the_topics_it_starts if {
	authz.decision.allow with input as req(key("analytics"), "READ", "TOPIC", "clicks.eu")
	not authz.decision.allow with input as req(key("analytics"), "READ", "TOPIC", "clicksX")
	not authz.decision.allow with input as req(key("analytics"), "WRITE", "TOPIC", "clicks.eu")
}

test_consumer_groups if {
	authz.decision.allow with input as req(key("analytics"), "READ", "GROUP", "analytics-daily")
	not authz.decision.allow with input as req(key("analytics"), "READ", "GROUP", "payments-x")
}

test_a_pattern_subscription_is_not_a_topic_name if {
	pattern := object.union(req(key("analytics"), "READ", "TOPIC", "clicks.*"), {"resource": {"type": "TOPIC", "name": "clicks.*", "pattern_type": "REGEX"}})
	not authz.decision.allow with input as pattern
}

test_a_group_member_gets_the_group_entry if {
	authz.decision.allow with input as req(member(["payments-team"]), "WRITE", "TOPIC", "payments.refunds")
	not authz.decision.allow with input as req(member(["payments-team"]), "WRITE", "TOPIC", "orders")
}

test_entries_add_up if {
	both := member(["payments-team", "auditors"])
	authz.decision.allow with input as req(both, "DESCRIBE_CONFIGS", "TOPIC", "orders")
	authz.decision.allow with input as req(both, "READ", "TOPIC", "payments")
	not authz.decision.allow with input as req(both, "READ", "TOPIC", "orders")
}

test_anyone_with_an_entry_may_see_the_cluster if {
	authz.decision.allow with input as req(key("orders-service"), "DESCRIBE", "CLUSTER", "kafka-cluster")
	authz.decision.allow with input as req(member(["auditors"]), "DESCRIBE", "CLUSTER", "kafka-cluster")
	not authz.decision.allow with input as req(key("orders-service"), "CREATE", "CLUSTER", "kafka-cluster")
}

test_strangers_and_anonymous_get_nothing if {
	not authz.decision.allow with input as req(key("unknown"), "DESCRIBE", "CLUSTER", "kafka-cluster")
	not authz.decision.allow with input as req(member(["nobody"]), "DESCRIBE", "TOPIC", "orders")
	d := authz.decision with input as req({"type": "anonymous", "id": "anonymous"}, "DESCRIBE", "CLUSTER", "kafka-cluster")
	not d.allow
	d.reason == `anonymous:anonymous may not DESCRIBE cluster "kafka-cluster" (no ACL entry allows it)`
}

test_records_phase_asks_the_same if {
	records := object.union(req(key("orders-service"), "WRITE", "TOPIC", "orders"), {"phase": "records", "records": []})
	authz.decision.allow with input as records
}
