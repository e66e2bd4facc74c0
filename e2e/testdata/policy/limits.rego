# Limits, JSON Schemas and quotas (e2e/policy_limits_test.go), on the
# limits-* topics only: the writer key may already write to them, so these
# rules only add decision fields.
package topicgate.authz

# Topic -> the JSON Schema (schemas/<name>.json) its record values must match.
limits_value_schemas := {
	"limits-schema": "limits-order.v1",
	"limits-reload": "limits-reload.v1",
	"limits-noschema": "limits-missing", # no such file: a policy error
}

extra["value_schema"] := limits_value_schemas[input.topic]

extra["limits"] := {"max_records": 2, "max_record_bytes": 100, "max_request_bytes": 1000} if input.topic == "limits-size"

extra["limits"] := {"records_per_second": 1} if input.topic == "limits-quota"

extra["limits"] := {"records_per_second": 2} if {
	input.topic == "limits-readquota"
	input.action == "read_records"
}
