# The demo policy of the local stack (make run).
#
#   - anonymous callers may list the topics of a cluster, and nothing else;
#   - the API key "demo" may describe the cluster; describe, produce to and
#     read the topic "orders"; and use consumer groups named "demo-*"
#     (consumer instances, committed offsets, lag).
#
# topicgate asks for data.topicgate.authz.decision; docs/policy.md describes
# the input and the decision.
package topicgate.authz

default allow := false

allow if {
	input.principal.type == "anonymous"
	input.action == "list_topics"
}

allow if {
	is_demo_key
	input.resource.type == "CLUSTER"
	input.operation == "DESCRIBE"
}

allow if {
	is_demo_key
	input.resource == {"type": "TOPIC", "name": "orders"}
	input.operation in {"DESCRIBE", "WRITE", "READ"}
}

allow if {
	is_demo_key
	input.resource.type == "GROUP"
	startswith(input.resource.name, "demo-")
	input.operation in {"DESCRIBE", "READ"}
}

is_demo_key if {
	input.principal.type == "api_key"
	input.principal.id == "demo"
}

reason := "allowed by the demo policy" if {
	allow
} else := sprintf("%s %q may not %s %s %q", [
	input.principal.type, input.principal.id,
	input.operation, lower(input.resource.type), input.resource.name,
])

decision := {"allow": allow, "reason": reason}
