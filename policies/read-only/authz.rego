# Read-only principals: they may look and consume, never change anything.
#
#   - the principals in `readers` (by "<type>:<id>") and the members of the
#     groups in `reader_groups` (input.principal.groups, carried by JWT and
#     mTLS identities) may DESCRIBE and DESCRIBE_CONFIGS anything, and READ
#     topics and consumer groups: list and describe topics, read records,
#     consume in a consumer group and commit its offsets;
#   - they may never WRITE, CREATE, DELETE, ALTER or ALTER_CONFIGS: a produce,
#     creating or deleting a topic, changing a config is answered 403 with the
#     reason;
#   - everyone else is denied.
#
# The rule names the operations it allows rather than those it refuses, so an
# operation a later topicgate adds stays refused until this list names it.
# Committing a consumer group's offsets is READ on the group, as in Kafka's
# ACLs: a reader moves its own group's position, not the data.
#
# Try it:
#   topicgate policy test policies/read-only
#   topicgate policy eval -dir policies/read-only -principal api_key:dashboard \
#     'curl -H "Content-Type: application/json" http://localhost/v3/clusters/C/topics/orders/records -d "{}"'
package topicgate.authz

readers := {"api_key:dashboard", "api_key:auditor"}

reader_groups := {"auditors"}

read_operations := {"DESCRIBE", "DESCRIBE_CONFIGS", "READ"}

default allow := false

is_reader if sprintf("%s:%s", [input.principal.type, input.principal.id]) in readers

is_reader if {
	some group in input.principal.groups
	group in reader_groups
}

allow if {
	is_reader
	input.operation in read_operations
}

reason := "read-only access" if {
	allow
} else := sprintf("%s %q is read-only: it may not %s %s %q", [
	input.principal.type, input.principal.id,
	input.operation, lower(input.resource.type), input.resource.name,
]) if {
	is_reader
} else := sprintf("%s %q is not a reader", [input.principal.type, input.principal.id])

decision := {"allow": allow, "reason": reason}
