# The demo policy of the local stack (make run).
#
#   - anonymous callers may list the topics of a cluster, and nothing else;
#   - the API key "demo", and a JWT of the group "demo" (make run prints
#     one), may describe the cluster; describe, produce to and read the topic
#     "orders"; and use consumer groups named "demo-*" (consumer instances,
#     committed offsets, lag);
#   - the workload spiffe://cluster.local/ns/shop/sa/orders-writer, by its
#     client certificate (make run's mTLS listener), may describe and produce
#     to "orders".
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
	demo_caller
	input.resource.type == "CLUSTER"
	input.operation == "DESCRIBE"
}

allow if {
	demo_caller
	input.resource == {"type": "TOPIC", "name": "orders"}
	input.operation in {"DESCRIBE", "WRITE", "READ"}
}

allow if {
	demo_caller
	input.resource.type == "GROUP"
	startswith(input.resource.name, "demo-")
	input.operation in {"DESCRIBE", "READ"}
}

demo_caller if {
	input.principal.type == "api_key"
	input.principal.id == "demo"
}

demo_caller if {
	input.principal.type == "jwt"
	"demo" in input.principal.groups
}

allow if {
	input.principal.spiffe_id == "spiffe://cluster.local/ns/shop/sa/orders-writer"
	input.resource == {"type": "TOPIC", "name": "orders"}
	input.operation in {"DESCRIBE", "WRITE"}
}

reason := "allowed by the demo policy" if {
	allow
} else := sprintf("%s %q may not %s %s %q", [
	input.principal.type, input.principal.id,
	input.operation, lower(input.resource.type), input.resource.name,
])

decision := {"allow": allow, "reason": reason}
