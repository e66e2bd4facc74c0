# The e2e suite's shadow policy: a candidate evaluated beside the suite's
# policy, for decisions on the topics ops-shadow* only
# (-policy-shadow-topics). It would stop the writer key from writing them,
# which the active policy allows; everything else it allows, as the active
# policy does for the admin key. e2e/ops_test.go checks that the difference
# is logged and counted, and that no answer changes.
package topicgate.authz

default allow := true

allow := false if {
	input.principal.type == "api_key"
	input.principal.id == "writer"
	input.operation == "WRITE"
	not writer_forgiven
}

# A file added while the suite runs may forgive the writer (the shadow
# reload test).
default writer_forgiven := false

decision := {"allow": allow, "reason": "shadow: the writer key may no longer write ops-shadow topics"} if {
	not allow
} else := {"allow": true, "reason": "shadow: allowed"}
