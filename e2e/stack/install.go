package stack

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Paths are the installed components.
type Paths struct {
	KafkaHome string // holds libs/
	Envoy     string // the envoy binary
}

// Install runs the project's install scripts (idempotent, cached) and
// returns where they put Kafka and Envoy.
func Install(root string) (Paths, error) {
	kafka, err := runScript(root, "install-kafka.sh")
	if err != nil {
		return Paths{}, err
	}
	envoy, err := runScript(root, "install-envoy.sh")
	if err != nil {
		return Paths{}, err
	}
	return Paths{KafkaHome: kafka, Envoy: envoy}, nil
}

func runScript(root, name string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command("bash", filepath.Join(root, "e2e", "stack", name))
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], nil
}

// Root finds the repository root (the directory holding go.mod) from dir up.
func Root(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}
