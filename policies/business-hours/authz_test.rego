package topicgate.authz_test

import data.topicgate.authz

admin := {"type": "api_key", "id": "platform-admin"}

# Instants in Europe/Berlin.
monday_10_00 := 1767603600000000000 # 2026-01-05, winter time (UTC+1)

monday_08_59 := 1767599940000000000

monday_16_59 := 1767628740000000000

monday_17_00 := 1767628800000000000

saturday_10_00 := 1768035600000000000 # 2026-01-10

summer_monday_08_30 := 1783319400000000000 # 2026-07-06, summer time (UTC+2)

summer_monday_09_30 := 1783323000000000000

req(principal, action, operation) := {
	"version": "v1", "phase": "request", "action": action, "operation": operation,
	"resource": {"type": "TOPIC", "name": "orders"}, "topic": "orders", "principal": principal,
}

delete_topic := req(admin, "delete_topic", "DELETE")

test_admin_operations_in_business_hours if {
	authz.decision.allow with input as delete_topic with time.now_ns as monday_10_00
	authz.decision.allow with input as delete_topic with time.now_ns as monday_16_59
	authz.decision.allow with input as req(admin, "create_topic", "CREATE") with time.now_ns as monday_10_00
	authz.decision.allow with input as req(admin, "update_topic_config", "ALTER_CONFIGS") with time.now_ns as monday_10_00
}

test_not_before_nine_nor_from_five if {
	d := authz.decision with input as delete_topic with time.now_ns as monday_08_59
	not d.allow
	d.reason == "DELETE is allowed Monday to Friday, 09:00 to 17:00 Europe/Berlin; it is Monday 08:59 there"
	not authz.decision.allow with input as delete_topic with time.now_ns as monday_17_00
}

test_not_at_the_weekend if {
	d := authz.decision with input as req(admin, "update_partition_count", "ALTER") with time.now_ns as saturday_10_00
	not d.allow
	d.reason == "ALTER is allowed Monday to Friday, 09:00 to 17:00 Europe/Berlin; it is Saturday 10:00 there"
}

test_the_hours_are_local_time_all_year if {
	not authz.decision.allow with input as delete_topic with time.now_ns as summer_monday_08_30
	authz.decision.allow with input as delete_topic with time.now_ns as summer_monday_09_30
}

test_other_operations_at_any_time if {
	authz.decision.allow with input as req(admin, "produce", "WRITE") with time.now_ns as saturday_10_00
	authz.decision.allow with input as req(admin, "get_topic", "DESCRIBE") with time.now_ns as monday_08_59
}

test_admins_by_group if {
	jwt := {"type": "jwt", "id": "erin", "groups": ["platform-team"]}
	authz.decision.allow with input as req(jwt, "delete_topic", "DELETE") with time.now_ns as monday_10_00
	not authz.decision.allow with input as req(jwt, "delete_topic", "DELETE") with time.now_ns as saturday_10_00
}

test_others_never if {
	d := authz.decision with input as req({"type": "api_key", "id": "writer"}, "delete_topic", "DELETE") with time.now_ns as monday_10_00
	not d.allow
	d.reason == `api_key "writer" is not an admin`
	not authz.decision.allow with input as req({"type": "api_key", "id": "writer"}, "produce", "WRITE") with time.now_ns as monday_10_00
}
