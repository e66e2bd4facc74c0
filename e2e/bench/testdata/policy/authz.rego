# The benchmark's policy: the "bench" key may do everything on topics named
# bench-*, and describe the cluster; nobody else may do anything. Kept as
# small as a real allow rule so the bench measures the gateway, not Rego.
package topicgate.authz

default allow := false

allow if {
	is_bench_key
	input.resource.type == "TOPIC"
	startswith(input.resource.name, "bench-")
}

allow if {
	is_bench_key
	input.resource.type == "CLUSTER"
	input.operation == "DESCRIBE"
}

is_bench_key if {
	input.principal.type == "api_key"
	input.principal.id == "bench"
}

reason := "allowed by the bench policy" if {
	allow
} else := sprintf("%s may not %s %s", [input.principal.id, input.operation, input.resource.name])

decision := {"allow": allow, "reason": reason}
