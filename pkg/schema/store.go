// Package schema loads the JSON Schemas that record values must satisfy:
// one file per schema in a directory beside the policies, compiled once,
// swapped in atomically when the files change, and the last good set kept
// when a change does not compile. It knows nothing of HTTP or policies.
package schema

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.uber.org/zap"

	"github.com/topicgate/topicgate/pkg/metrics"
)

// Options configure a Store.
type Options struct {
	// Dir holds the schemas: <name>.json, directly in it. A missing
	// directory is an empty set.
	Dir     string
	Log     *zap.Logger
	Metrics *metrics.Metrics
}

// Store holds the current set of schemas. It is safe for concurrent use.
type Store struct {
	opts     Options
	cur      atomic.Pointer[set]
	mu       sync.Mutex // serialises loads
	failures atomic.Int64
	lastErr  atomic.Pointer[string]
}

type set struct {
	schemas  map[string]*Schema
	names    []string
	digest   string
	loadedAt time.Time
}

// Status describes what is loaded, for /readyz.
type Status struct {
	Dir       string    `json:"dir"`
	Schemas   []string  `json:"schemas"`
	Digest    string    `json:"digest"`
	LoadedAt  time.Time `json:"loaded_at"`
	Failures  int64     `json:"failed_loads"`
	LastError string    `json:"last_error,omitempty"`
}

// New loads the directory. It fails if a schema does not compile, as
// topicgate should not start without the schemas its policies name.
func New(opts Options) (*Store, error) {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	s := &Store{opts: opts}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Lookup returns the schema of that name, or nil.
func (s *Store) Lookup(name string) *Schema {
	return s.cur.Load().schemas[name]
}

// Status reports what is loaded.
func (s *Store) Status() Status {
	cur := s.cur.Load()
	st := Status{Dir: s.opts.Dir, Failures: s.failures.Load(), Schemas: []string{}}
	if cur != nil {
		st.Schemas, st.Digest, st.LoadedAt = cur.names, cur.digest, cur.loadedAt
	}
	if m := s.lastErr.Load(); m != nil {
		st.LastError = *m
	}
	return st
}

// Reload compiles the directory again if its contents changed. On failure
// the current set stays in force and the error is returned.
func (s *Store) Reload() (changed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, digest, err := read(s.opts.Dir)
	if cur := s.cur.Load(); err == nil && cur != nil && cur.digest == digest {
		return false, nil
	}
	var next *set
	if err == nil {
		next, err = compile(s.opts.Dir, files)
	}
	if err != nil {
		s.failures.Add(1)
		msg := err.Error()
		s.lastErr.Store(&msg)
		s.opts.Metrics.SchemaLoad(false)
		s.opts.Log.Error("schema load failed; keeping the last good schemas", zap.String("dir", s.opts.Dir), zap.Error(err))
		return false, err
	}
	next.digest, next.loadedAt = digest, time.Now()
	s.cur.Store(next)
	s.lastErr.Store(nil)
	s.opts.Metrics.SchemaLoad(true)
	s.opts.Log.Info("schemas loaded", zap.String("dir", s.opts.Dir), zap.Strings("schemas", next.names), zap.String("digest", digest))
	return true, nil
}

// Watch reloads whenever the directory's contents change, checking every
// interval, until ctx ends. Polling contents also sees the symlink swaps of
// Kubernetes ConfigMap volumes.
func (s *Store) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = s.Reload()
		}
	}
}

// read returns the schema files of dir (name -> contents) and a digest of
// them. Only <name>.json files directly in dir count; hidden files (a
// ConfigMap's ..data) and subdirectories do not.
func read(dir string) (map[string][]byte, string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "none", nil
	}
	if err != nil {
		return nil, "", err
	}
	files := map[string][]byte{}
	h := sha256.New()
	for _, e := range entries { // sorted by name
		fname := e.Name()
		if strings.HasPrefix(fname, ".") || !strings.HasSuffix(fname, ".json") {
			continue
		}
		path := filepath.Join(dir, fname)
		if st, err := os.Stat(path); err != nil || st.IsDir() { // follows symlinks
			if err != nil {
				return nil, "", err
			}
			continue
		}
		name := strings.TrimSuffix(fname, ".json")
		if !ValidName(name) {
			return nil, "", fmt.Errorf("%s: a schema's file name must be <name>.json, the name made of letters, digits, '.', '_' and '-'", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		files[name] = b
		h.Write([]byte(fname))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	return files, hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ValidName tells whether name can name a schema: 1 to 200 letters,
// digits, '.', '_' and '-', not starting with '.'.
func ValidName(name string) bool {
	if name == "" || len(name) > 200 || name[0] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// compile compiles every file. Each is a resource of one compiler, so a
// schema may $ref another by its file name ("customer.v1.json#/$defs/id");
// nothing else can be loaded (no network, no other files).
func compile(dir string, files map[string][]byte) (*set, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(closedLoader{})
	c.AssertFormat()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names) // the first failure in name order is reported
	urls := make([]string, len(names))
	for i, name := range names {
		b := files[name]
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s.json: not valid JSON: %w", filepath.Join(dir, name), err)
		}
		u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, name+".json"))}).String()
		if err := c.AddResource(u, doc); err != nil {
			return nil, fmt.Errorf("%s.json: %w", filepath.Join(dir, name), err)
		}
		urls[i] = u
	}
	out := &set{schemas: make(map[string]*Schema, len(names)), names: names}
	for i, name := range names {
		sch, err := c.Compile(urls[i])
		if err != nil {
			return nil, fmt.Errorf("%s.json: %w", filepath.Join(dir, name), err)
		}
		out.schemas[name] = &Schema{name: name, s: sch}
	}
	return out, nil
}

// closedLoader refuses every URL the files of the directory do not cover.
type closedLoader struct{}

func (closedLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("%s is not a file of the schema directory; schemas may refer only to each other", u)
}
