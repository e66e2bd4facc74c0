# Rules of e2e/identity_test.go: callers who prove who they are with a JWT
# (verified by Envoy's jwt_authn) or a client certificate (Envoy's mTLS
# listener), on the identity-* topics only.
package topicgate.authz

orders_writer_spiffe_id := "spiffe://cluster.local/ns/shop/sa/orders-writer"

# A JWT of the group orders-writers may describe and produce to identity-jwt.
allow if {
	input.principal.type == "jwt"
	"orders-writers" in input.principal.groups
	input.topic == "identity-jwt"
	input.operation in {"DESCRIBE", "WRITE"}
}

# The orders-writer workload, by its certificate's SPIFFE id, may describe
# and produce to identity-mtls.
allow if {
	input.principal.type == "mtls"
	input.principal.spiffe_id == orders_writer_spiffe_id
	input.topic == "identity-mtls"
	input.operation in {"DESCRIBE", "WRITE"}
}

# identity-both takes both at once: a JWT of orders-writers, sent over the
# orders-writer's certificate.
allow if {
	input.topic == "identity-both"
	input.operation in {"DESCRIBE", "WRITE"}
	"jwt" in input.principal.sources
	"mtls" in input.principal.sources
	"orders-writers" in input.principal.groups
	input.principal.spiffe_id == orders_writer_spiffe_id
}

# identity-whoami allows nobody, and its denial carries the principal the
# policy saw, so that the tests can check it.
extra["headers"] := {"x-identity-principal": json.marshal(input.principal)} if {
	input.topic == "identity-whoami"
}
