# The e2e suite's policy. Keys: "admin" may do everything, on every topic
# and group whose name does not start with "forbidden"; "writer" may do
# everything except on the topic "forbidden", and may not produce records
# classified secret; "reader" may only describe; anonymous callers may list
# topics. The topics
# "nonsense" and "failing" get a malformed decision and a failing policy.
#
# Other files of this directory add rules per concern: `allow` rules, and
# fields of the decision object as `extra[field] := value` (each file its
# own fields and topics, so they never conflict).
package topicgate.authz

default allow := false

allow if {
	input.principal.type == "anonymous"
	input.action == "list_topics"
}

allow if {
	api_key("writer")
	not input.topic == "forbidden"
	not secret_record
}

allow if {
	api_key("admin")
	not startswith(input.resource.name, "forbidden")
	not admin_refused
}

allow if {
	api_key("reader")
	input.operation == "DESCRIBE"
}

secret_record if {
	some r in input.records
	some h in r.headers
	h.name == "classification"
	h.value == "secret"
}

reason := "allowed" if {
	allow
} else := "records classified secret may not be produced" if {
	secret_record
} else := sprintf("%s may not %s %s", [input.principal.id, input.operation, input.resource.name])

api_key(id) if {
	input.principal.type == "api_key"
	input.principal.id == id
}

# The decision's fields beyond allow and reason; unknown ones are ignored.
extra["policy"] := "e2e"

special_topic if input.topic in {"nonsense", "failing"}

decision := object.union(extra, {"allow": allow, "reason": reason}) if not special_topic

decision := "yes" if input.topic == "nonsense"

decision := {"allow": to_number("not a number") > 0} if input.topic == "failing"
