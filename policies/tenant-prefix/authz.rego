# Tenant prefixing: each tenant sees Kafka as if its topics were the only
# ones. A tenant writes to "orders"; the record lands in "<tenant>.orders".
#
#   - the tenant of an API key comes from `key_tenants` (key id -> tenant);
#     the tenant of a JWT principal from its `tenant` claim
#     (input.principal.claims.tenant, forwarded by Envoy's jwt_authn);
#   - a tenant may DESCRIBE, READ and WRITE any topic it names; the decision's
#     `topic` is "<tenant>.<name>", the Kafka topic topicgate acts on instead
#     (both phases of a produce say the same);
#   - consumer groups are not rewritten: a tenant's group ids must start with
#     "<tenant>." themselves;
#   - listings that span tenants (list_topics, list_consumer_groups) and
#     everything else are denied, as are callers without a tenant.
#
# Try it:
#   topicgate policy test policies/tenant-prefix
#   topicgate policy eval -dir policies/tenant-prefix -principal api_key:acme-orders \
#     'curl -H "Content-Type: application/json" http://localhost/v3/clusters/C/topics/orders/records -d "{\"value\": {\"type\": \"STRING\", \"data\": \"x\"}}"'
package topicgate.authz

key_tenants := {
	"acme-orders": "acme",
	"acme-reports": "acme",
	"globex-billing": "globex",
}

tenant := key_tenants[input.principal.id] if input.principal.type == "api_key"

tenant := input.principal.claims.tenant if {
	input.principal.type == "jwt"
	is_string(input.principal.claims.tenant)
	input.principal.claims.tenant != ""
}

prefix := concat("", [tenant, "."])

# The Kafka topic a tenant's request acts on.
target := concat("", [prefix, input.resource.name]) if {
	input.resource.type == "TOPIC"
	not input.resource.pattern_type
}

default allow := false

allow if {
	target
	input.operation in {"DESCRIBE", "READ", "WRITE"}
}

allow if {
	tenant
	input.action in {"list_clusters", "get_cluster"}
}

allow if {
	input.resource.type == "GROUP"
	startswith(input.resource.name, prefix)
	input.operation in {"DESCRIBE", "READ"}
}

reason := sprintf("tenant %s", [tenant]) if {
	allow
} else := sprintf("%s %q has no tenant", [input.principal.type, input.principal.id]) if {
	not tenant
} else := sprintf("tenant %s may not %s (%s %s %q)", [
	tenant, input.action, input.operation,
	lower(input.resource.type), input.resource.name,
])

decision := {"allow": true, "reason": reason, "topic": target} if {
	allow
	target
} else := {"allow": allow, "reason": reason}
