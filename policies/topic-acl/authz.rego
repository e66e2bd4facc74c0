# Topic ACLs by principal and by group, from data.
#
#   - acl/data.yaml says which principal ("api_key:orders-service") and which
#     group ("payments-team") may do which Kafka operations on which topics
#     and consumer groups; a name ending in "*" is a prefix;
#   - a principal gets its own entry and the entries of each of its groups
#     (input.principal.groups, which JWT and mTLS identities carry; an API key
#     has none);
#   - anyone with an entry may see the cluster (list topics, describe the
#     cluster); everything else is denied, with a reason.
#
# A consumer's pattern subscription (resource.pattern_type "REGEX") is not a
# topic name, so no entry here allows it: name patterns in a rule of their own
# if you need them (docs/policy.md, "Consumer instances").
#
# Try it:
#   topicgate policy test policies/topic-acl
#   topicgate policy eval -dir policies/topic-acl -principal api_key:analytics \
#     'curl http://localhost/v3/clusters/C/topics/clicks.eu/partitions/0/records?offset=0'
package topicgate.authz

default allow := false

principal_key := sprintf("%s:%s", [input.principal.type, input.principal.id])

# The ACL entries that apply to the caller.
entries contains entry if entry := data.acl.principals[principal_key]

entries contains entry if {
	some group in input.principal.groups
	entry := data.acl.groups[group]
}

allow if {
	count(entries) > 0
	input.resource.type == "CLUSTER"
	input.operation == "DESCRIBE"
}

allow if {
	input.resource.type == "TOPIC"
	not input.resource.pattern_type
	granted("topics")
}

allow if {
	input.resource.type == "GROUP"
	granted("consumer_groups")
}

# granted: an entry names the resource (exactly or by prefix) in its kind of
# list, with the operation.
granted(kind) if {
	some entry in entries
	some name, operations in entry[kind]
	covers(name, input.resource.name)
	input.operation in operations
}

covers(name, resource) if name == resource

covers(name, resource) if {
	endswith(name, "*")
	startswith(resource, trim_suffix(name, "*"))
}

reason := "allowed by the topic ACL" if {
	allow
} else := sprintf("%s may not %s %s %q (no ACL entry allows it)", [
	principal_key, input.operation, lower(input.resource.type), input.resource.name,
])

decision := {"allow": allow, "reason": reason}
