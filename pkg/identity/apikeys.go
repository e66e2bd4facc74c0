package identity

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"gopkg.in/yaml.v3"

	"github.com/topicgate/topicgate/pkg/apierr"
)

// ErrBadCredentials is answered 401 whatever was wrong (unknown key, wrong
// secret, malformed header, a token Envoy did not verify), so a caller learns
// nothing about which keys exist. The cause goes to the log only. The
// gateway adds the WWW-Authenticate challenge to every 401.
var ErrBadCredentials = apierr.Unauthenticated

// KeyFile is the credentials file format.
type KeyFile struct {
	Keys []KeyEntry `yaml:"keys"`
}

// KeyEntry is one API key: its id (the Basic user name) and its hashed secret.
type KeyEntry struct {
	ID          string `yaml:"id"`
	SecretHash  string `yaml:"secret_hash"`
	Description string `yaml:"description,omitempty"`
}

// APIKeys authenticates Basic credentials against a key file. Reload swaps the
// key set atomically; a file that fails to load leaves the last good set.
type APIKeys struct {
	path string
	set  atomic.Pointer[keySet]
}

type keySet struct {
	hashes map[string]hash
	// verified remembers the SHA-256 of the last secret that matched each key,
	// so the slow hash runs once per key, not once per request.
	mu       sync.RWMutex
	verified map[string][sha256.Size]byte
}

// LoadAPIKeys reads the key file at path. An empty path means no keys: every
// caller is anonymous or rejected.
func LoadAPIKeys(path string) (*APIKeys, error) {
	k := &APIKeys{path: path}
	if err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Path is the key file's path.
func (k *APIKeys) Path() string { return k.path }

// Count is the number of keys loaded.
func (k *APIKeys) Count() int { return len(k.set.Load().hashes) }

// Reload re-reads the key file.
func (k *APIKeys) Reload() error {
	set := &keySet{hashes: map[string]hash{}, verified: map[string][sha256.Size]byte{}}
	if k.path == "" {
		k.set.Store(set)
		return nil
	}
	raw, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("reading API keys: %w", err)
	}
	var f KeyFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("parsing API keys %s: %w", k.path, err)
	}
	var problems []error
	for i, e := range f.Keys {
		switch {
		case e.ID == "" || strings.Contains(e.ID, ":"):
			problems = append(problems, fmt.Errorf("keys[%d]: id must be non-empty and contain no ':'", i))
			continue
		case set.hashes[e.ID] != (hash{}):
			problems = append(problems, fmt.Errorf("keys[%d]: duplicate id %q", i, e.ID))
			continue
		}
		h, err := parseHash(e.SecretHash)
		if err != nil {
			problems = append(problems, fmt.Errorf("keys[%d] (%s): %w", i, e.ID, err))
			continue
		}
		set.hashes[e.ID] = h
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("API keys %s: %w", k.path, err)
	}
	k.set.Store(set)
	return nil
}

// basic checks Basic credentials (the base64 of key:secret, as sent after
// "Basic ") and returns the key's id.
func (k *APIKeys) basic(cred string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", ErrBadCredentials.Wrap(errors.New("basic credentials are not base64"))
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" {
		return "", ErrBadCredentials.Wrap(errors.New("basic credentials are not key:secret"))
	}
	if !k.set.Load().check(id, secret) {
		return "", ErrBadCredentials.Wrap(fmt.Errorf("wrong secret or unknown key %q", id))
	}
	return id, nil
}

func (s *keySet) check(id, secret string) bool {
	h, ok := s.hashes[id]
	if !ok {
		// Pay for the hash anyway, so that an unknown id takes as long as a
		// wrong secret and timing does not tell which ids exist.
		unknownKey().verify(secret)
		return false
	}
	sum := sha256.Sum256([]byte(secret))
	s.mu.RLock()
	v, seen := s.verified[id]
	s.mu.RUnlock()
	if seen && subtle.ConstantTimeCompare(v[:], sum[:]) == 1 {
		return true
	}
	if !h.verify(secret) {
		return false
	}
	s.mu.Lock()
	s.verified[id] = sum
	s.mu.Unlock()
	return true
}
