package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// fingerprint lists the files the engine loads and hashes their contents, so
// a reload happens exactly when something that matters changed.
func fingerprint(dir string, skip skipDirs) (files []string, digest string, err error) {
	h := sha256.New()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(name, ".") || skip.has(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "_test.rego") {
			return nil
		}
		switch filepath.Ext(name) {
		case ".rego", ".json", ".yaml", ".yml":
		default:
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	sort.Strings(files)
	regos := files[:0:0]
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, "", err
		}
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
		if strings.HasSuffix(f, ".rego") {
			regos = append(regos, f)
		}
	}
	if len(regos) == 0 {
		return nil, "", nil
	}
	return files, hex.EncodeToString(h.Sum(nil))[:16], nil
}

// skipDirs are directories, by absolute path, that a load leaves out.
type skipDirs map[string]bool

func newSkipDirs(dirs []string) skipDirs {
	s := skipDirs{}
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			s[abs] = true
		}
	}
	return s
}

func (s skipDirs) has(path string) bool {
	if len(s) == 0 {
		return false
	}
	abs, err := filepath.Abs(path)
	return err == nil && s[abs]
}

// exclude keeps *_test.rego files, hidden files and directories, and the
// skipped directories out of the served policy, as fingerprint does. Hidden
// directories matter: a Kubernetes ConfigMap volume holds each file three
// times (..data/, the timestamped ..2024_x/ and a symlink), and .git may hold
// anything.
func (s skipDirs) exclude(path string, info fs.FileInfo, depth int) bool {
	if info.IsDir() && s.has(path) {
		return true
	}
	name := info.Name()
	if strings.HasPrefix(name, ".") {
		return depth > 0 || !info.IsDir()
	}
	return !info.IsDir() && strings.HasSuffix(name, "_test.rego")
}
