# Admin requests show the policy what they set (input.admin): even the admin
# key may not make a topic keep its data forever, nor give one more than 8
# partitions.
package topicgate.authz

admin_refused if {
	some c in input.admin.configs
	c.name == "retention.ms"
	c.value == "-1"
}

admin_refused if input.admin.partitions_count > 8
