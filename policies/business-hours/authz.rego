# Admin operations in business hours only.
#
#   - the admins (the principals in `admins`, and the members of the groups in
#     `admin_groups`: input.principal.groups, carried by JWT and mTLS
#     identities) may describe, read and write anything at any time;
#   - operations that change the cluster's shape (CREATE, DELETE, ALTER,
#     ALTER_CONFIGS: creating and deleting topics, adding partitions, changing
#     configs) are allowed only in `business_hours`, Monday to Friday from
#     09:00 to 17:00 in Europe/Berlin; outside them they are denied, and the
#     reason gives the hours and the time it is there;
#   - everyone else is denied.
#
# The clock is time.now_ns(), read in the zone with time.weekday and
# time.clock, so daylight saving time is handled. topicgate embeds the time
# zone database, so any IANA zone name works in any container image. The
# tests set the clock with `with time.now_ns as ...`.
#
# Try it:
#   topicgate policy test policies/business-hours
#   topicgate policy eval -dir policies/business-hours -principal api_key:platform-admin \
#     'curl -X DELETE http://localhost/v3/clusters/C/topics/orders'
package topicgate.authz

admins := {"api_key:platform-admin"}

admin_groups := {"platform-team"}

business_hours := {
	"zone": "Europe/Berlin",
	"days": {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"},
	"from": 9, # 09:00
	"until": 17, # 17:00, not included
}

admin_operations := {"CREATE", "DELETE", "ALTER", "ALTER_CONFIGS"}

default allow := false

is_admin if sprintf("%s:%s", [input.principal.type, input.principal.id]) in admins

is_admin if {
	some group in input.principal.groups
	group in admin_groups
}

now := [time.now_ns(), business_hours.zone]

open if {
	time.weekday(now) in business_hours.days
	[hour, _, _] := time.clock(now)
	hour >= business_hours.from
	hour < business_hours.until
}

allow if {
	is_admin
	not input.operation in admin_operations
}

allow if {
	is_admin
	input.operation in admin_operations
	open
}

reason := "allowed" if {
	allow
} else := sprintf("%s is allowed Monday to Friday, %02d:00 to %02d:00 %s; it is %s %02d:%02d there", [
	input.operation, business_hours.from, business_hours.until, business_hours.zone,
	time.weekday(now), time.clock(now)[0], time.clock(now)[1],
]) if {
	is_admin
} else := sprintf("%s %q is not an admin", [input.principal.type, input.principal.id])

decision := {"allow": allow, "reason": reason}
