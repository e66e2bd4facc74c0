# Rules of e2e/policy_records_test.go (TestRecords*): per-record verdicts,
# topic rewriting and cluster choice. They touch only the topics records-*
# and the key tenant-a.
package topicgate.authz

# On the topics records-*, the records phase refuses each record whose
# STRING value starts with "deny", and admits the others.
extra["denied_records"] := [{"index": r.index, "reason": sprintf("record %d asks to be denied", [r.index])} |
	some r in input.records
	is_string(r.value.data)
	startswith(r.value.data, "deny")
] if {
	input.phase == "records"
	startswith(input.topic, "records-")
}

# The answer to a records phase says where the records went, so the tests
# see input.target through Envoy.
extra["headers"] := {"x-records-target": concat("/", [input.target.cluster.name, input.target.topic])} if {
	input.phase == "records"
	records_concern
}

records_concern if startswith(input.topic, "records-")

records_concern if api_key("tenant-a")

# tenant-a works on its own topics: the topic it names, t, is tenant-a.t in
# Kafka. It may produce, read and describe them; describing their configs
# is allowed too, but cannot be rewritten, so topicgate refuses it.
allow if {
	api_key("tenant-a")
	input.resource.type == "TOPIC"
	not input.resource.pattern_type
	input.operation in {"WRITE", "READ", "DESCRIBE", "DESCRIBE_CONFIGS"}
}

extra["topic"] := concat(".", ["tenant-a", input.topic]) if {
	api_key("tenant-a")
	input.resource.type == "TOPIC"
}

# Cluster choice: the configured cluster (a no-op choice that the records
# phase sees as its target), and, for produce, one that is not configured.
extra["cluster"] := "default" if input.topic == "records-cluster"

extra["cluster"] := "nowhere" if {
	input.topic == "records-nowhere"
	input.action == "produce"
}
