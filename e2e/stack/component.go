package stack

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/topicgate/topicgate/pkg/cli"
)

// Component is one process started on its own beside a stack, such as a
// second topicgate (a guard) or a second Envoy. Its log is dir/<name>.log.
type Component struct {
	p *proc
}

// StartTopicgate starts `topicgate serve args...` and waits until its admin
// listener (adminAddr, host:port) answers /readyz with 200.
func StartTopicgate(ctx context.Context, bin, dir, name, adminAddr string, args ...string) (*Component, error) {
	p, err := startProc(name, dir, nil, bin, append([]string{"serve"}, args...)...)
	if err != nil {
		return nil, err
	}
	if err := p.waitFor(ctx, 60*time.Second, "/readyz", httpOK("http://"+adminAddr+"/readyz")); err != nil {
		p.stop(5 * time.Second)
		return nil, err
	}
	return &Component{p: p}, nil
}

// StartEnvoy starts Envoy on the config file cfg and waits until its admin
// interface (adminAddr, host:port) answers /ready with 200.
func StartEnvoy(ctx context.Context, envoyBin, dir, name, cfg, adminAddr string) (*Component, error) {
	p, err := startProc(name, dir, nil, envoyBin, "-c", cfg, "--disable-hot-restart", "-l", "warn", "--concurrency", "1")
	if err != nil {
		return nil, err
	}
	if err := p.waitFor(ctx, 60*time.Second, "Envoy /ready", httpOK("http://"+adminAddr+"/ready")); err != nil {
		p.stop(5 * time.Second)
		return nil, err
	}
	return &Component{p: p}, nil
}

// RenderEnvoy renders the repository's Envoy template envoy/<template> with
// values (placeholders not given take their defaults) into the file out.
func RenderEnvoy(root, template, out string, values map[string]string) error {
	tmpl, err := os.ReadFile(filepath.Join(root, "envoy", template))
	if err != nil {
		return err
	}
	s, err := cli.RenderTemplate(string(tmpl), values, func(string) string { return "" })
	if err != nil {
		return err
	}
	return os.WriteFile(out, []byte(s), 0o644)
}

// Stop stops the process gracefully (SIGTERM), killing it after grace.
func (c *Component) Stop(grace time.Duration) { c.p.stop(grace) }

// LogPath is the component's log file.
func (c *Component) LogPath() string { return c.p.logPath }
