# Schema-validated topics: records written to a topic with a schema must
# match it.
#
#   - `topic_schemas` maps a topic to the JSON Schema its record values must
#     satisfy, by name: "orders.v1" is schemas/orders.v1.json in this
#     directory;
#   - the writers may describe topics and produce to them; when a produce
#     targets a topic with a schema, the decision names it (`value_schema`,
#     in both phases of the produce) and topicgate validates each record's
#     value against it, refusing the request when one does not satisfy it
#     (docs/policy.md, "The decision");
#   - topics without a schema take any value; everyone else is denied.
#
# `topicgate policy check policies/schema-topics` checks that the files under
# schemas/ are JSON Schemas.
#
# Try it:
#   topicgate policy test policies/schema-topics
#   topicgate policy eval -dir policies/schema-topics -principal api_key:orders-service \
#     'curl -H "Content-Type: application/json" http://localhost/v3/clusters/C/topics/orders/records -d "{\"value\": {\"type\": \"JSON\", \"data\": {\"order_id\": \"o-1\"}}}"'
package topicgate.authz

topic_schemas := {"orders": "orders.v1"}

writers := {"api_key:orders-service", "api_key:checkout"}

default allow := false

allow if {
	sprintf("%s:%s", [input.principal.type, input.principal.id]) in writers
	input.resource.type == "TOPIC"
	not input.resource.pattern_type
	input.operation in {"DESCRIBE", "WRITE"}
}

schema := topic_schemas[input.topic] if input.operation == "WRITE"

reason := "allowed" if {
	allow
} else := sprintf("%s %q may not %s %s %q", [
	input.principal.type, input.principal.id,
	input.operation, lower(input.resource.type), input.resource.name,
])

decision := {"allow": true, "reason": reason, "value_schema": schema} if {
	allow
	schema
} else := {"allow": allow, "reason": reason}
