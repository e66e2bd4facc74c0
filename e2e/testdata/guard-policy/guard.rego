# The policy of the e2e suite's ext_authz guard (e2e/extauthz_test.go). The
# backend it guards is the suite's own stack, whose policy lets the admin key
# do everything; this one is stricter, so every refusal the tests see for
# admin is the guard's. Reasons start with "guard:" to show it.
#
# admin may describe the cluster (list topics); describe, read and write the
# topic guard-open, except records whose JSON value has "pii": true; create,
# describe and delete topics named guard-new-*; describe and read the groups
# named guard-group*. A record whose value is "drop-me" is denied on its own
# (denied_records), which a guard answers by refusing the request. Other keys
# may do nothing.
package topicgate.authz

default allow := false

allow if {
	api_key("admin")
	input.resource.type == "CLUSTER"
	input.operation == "DESCRIBE"
}

allow if {
	api_key("admin")
	input.resource == {"type": "TOPIC", "name": "guard-open"}
	input.operation in {"DESCRIBE", "READ", "WRITE"}
	count(pii) == 0
}

allow if {
	api_key("admin")
	input.resource.type == "TOPIC"
	not input.resource.pattern_type
	startswith(input.resource.name, "guard-new-")
	input.operation in {"CREATE", "DESCRIBE", "DELETE"}
}

allow if {
	api_key("admin")
	input.resource.type == "GROUP"
	startswith(input.resource.name, "guard-group")
	input.operation in {"DESCRIBE", "READ"}
}

pii contains r.index if {
	some r in input.records
	r.value.data.pii == true
}

reason := "allowed by the guard" if {
	allow
} else := sprintf("guard: records %v carry pii", [sort(pii)]) if {
	count(pii) > 0
} else := sprintf("guard: %s may not %s %s", [input.principal.id, input.operation, input.resource.name])

api_key(id) if {
	input.principal.type == "api_key"
	input.principal.id == id
}

extra["denied_records"] := dropped if {
	dropped := [{"index": r.index, "reason": "guard: drop-me is not for the backend"} |
		some r in input.records
		r.value.data == "drop-me"
	]
	count(dropped) > 0
}

decision := object.union(extra, {"allow": allow, "reason": reason})
