package identity

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Secrets are stored as PBKDF2-HMAC-SHA256:
//
//	pbkdf2-sha256$<iterations>$<salt, base64 raw std>$<key, base64 raw std>
const (
	hashScheme        = "pbkdf2-sha256"
	defaultIterations = 100_000
	saltLen, keyLen   = 16, 32
)

type hash struct {
	iterations int
	salt, key  string // raw bytes held as strings so hash is comparable
}

// HashSecret hashes a secret for the key file.
func HashSecret(secret string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, secret, salt, defaultIterations, keyLen)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%s$%d$%s$%s", hashScheme, defaultIterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func parseHash(s string) (hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != hashScheme {
		return hash{}, fmt.Errorf("secret_hash must look like %s$<iterations>$<salt>$<key> (make one with `topicgate apikey hash`)", hashScheme)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 10_000 {
		return hash{}, fmt.Errorf("secret_hash iterations must be a number of at least 10000")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	key, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return hash{}, fmt.Errorf("secret_hash salt or key is not valid base64 of the right length")
	}
	return hash{iterations: n, salt: string(salt), key: string(key)}, nil
}

func (h hash) verify(secret string) bool {
	got, err := pbkdf2.Key(sha256.New, secret, []byte(h.salt), h.iterations, len(h.key))
	return err == nil && subtle.ConstantTimeCompare(got, []byte(h.key)) == 1
}

// unknownKey is a hash no secret matches, verified for unknown key ids.
var unknownKey = sync.OnceValue(func() hash {
	salt := make([]byte, saltLen)
	key := make([]byte, keyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	return hash{iterations: defaultIterations, salt: string(salt), key: string(key)}
})
