package topicgate.authz_test

import data.topicgate.authz

dashboard := {"type": "api_key", "id": "dashboard"}

req(principal, action, operation, rtype, name) := {
	"version": "v1", "phase": "request", "action": action, "operation": operation,
	"resource": {"type": rtype, "name": name}, "principal": principal,
}

test_a_reader_may_look_and_consume if {
	authz.decision.allow with input as req(dashboard, "list_topics", "DESCRIBE", "CLUSTER", "kafka-cluster")
	authz.decision.allow with input as req(dashboard, "get_topic", "DESCRIBE", "TOPIC", "orders")
	authz.decision.allow with input as req(dashboard, "list_topic_configs", "DESCRIBE_CONFIGS", "TOPIC", "orders")
	authz.decision.allow with input as req(dashboard, "read_records", "READ", "TOPIC", "orders")
	authz.decision.allow with input as req(dashboard, "commit_offsets", "READ", "GROUP", "dashboards")
}

test_a_reader_may_not_produce if {
	d := authz.decision with input as req(dashboard, "produce", "WRITE", "TOPIC", "orders")
	not d.allow
	d.reason == `api_key "dashboard" is read-only: it may not WRITE topic "orders"`
}

test_a_reader_changes_nothing if {
	every op in ["CREATE", "DELETE", "ALTER", "ALTER_CONFIGS", "WRITE", "SOMETHING_NEW"] {
		not authz.decision.allow with input as req(dashboard, "x", op, "TOPIC", "orders")
	}
}

test_a_reader_by_group if {
	jwt := {"type": "jwt", "id": "carol", "groups": ["staff", "auditors"]}
	authz.decision.allow with input as req(jwt, "get_topic", "DESCRIBE", "TOPIC", "payments")
	not authz.decision.allow with input as req(jwt, "produce", "WRITE", "TOPIC", "payments")
}

test_others_are_denied if {
	d := authz.decision with input as req({"type": "api_key", "id": "writer"}, "get_topic", "DESCRIBE", "TOPIC", "orders")
	not d.allow
	d.reason == `api_key "writer" is not a reader`
	not authz.decision.allow with input as req({"type": "anonymous", "id": "anonymous"}, "list_topics", "DESCRIBE", "CLUSTER", "kafka-cluster")
	not authz.decision.allow with input as req({"type": "jwt", "id": "dave", "groups": ["staff"]}, "get_topic", "DESCRIBE", "TOPIC", "orders")
}

# Reader ids are "type:id": an API key named like a reader's JWT subject is
# not that reader.
test_the_type_counts if {
	not authz.decision.allow with input as req({"type": "jwt", "id": "dashboard"}, "get_topic", "DESCRIBE", "TOPIC", "orders")
}
