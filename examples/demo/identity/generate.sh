#!/usr/bin/env bash
# Regenerates docker-compose.yaml's demo credentials for Envoy: a CA (its key
# is thrown away), Envoy's server certificate, a client certificate naming the
# workload spiffe://cluster.local/ns/shop/sa/orders-writer, and a JWKS whose
# signing key is thrown away too (put your identity provider's keys in
# jwks.json to use JWTs there). The two certificate keys are public: demo only.
# `make run` generates fresh credentials at every start instead (e2e/stack).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=3650
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)

openssl req -x509 "${ec[@]}" -keyout "$tmp/ca-key.pem" -out ca.pem -days "$days" \
  -subj "/O=topicgate demo/CN=topicgate demo CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue NAME SUBJECT EXTENSIONS: a certificate signed by the CA, and its key.
issue() {
  openssl req -new "${ec[@]}" -keyout "$1-key.pem" -out "$tmp/$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
  chmod 644 "$1-key.pem" # read by Envoy's user in its container
}
issue server "/CN=localhost" "subjectAltName=DNS:localhost,DNS:envoy,IP:127.0.0.1
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth"
issue client "/O=shop/CN=orders-writer" "subjectAltName=URI:spiffe://cluster.local/ns/shop/sa/orders-writer
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

# The JWKS: a P-256 public key's X and Y are the last 64 bytes of its DER form.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/jwt-key.pem"
openssl ec -in "$tmp/jwt-key.pem" -pubout -outform DER 2>/dev/null | tail -c 64 > "$tmp/xy"
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
x=$(head -c 32 "$tmp/xy" | b64url)
y=$(tail -c 32 "$tmp/xy" | b64url)
cat > jwks.json <<JWKS
{
  "keys": [
    {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "topicgate-demo", "x": "$x", "y": "$y"}
  ]
}
JWKS
