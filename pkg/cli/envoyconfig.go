package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// placeholder is ${NAME} or ${NAME:-default} in an Envoy config template.
var placeholder = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}`)

type setFlags map[string]string

func (s setFlags) String() string { return "" }
func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	s[k] = val
	return nil
}

// envoyConfig renders a template: each placeholder takes its -set value, else
// the environment variable of that name, else its default. One without any
// is an error, so a config is never half rendered.
func envoyConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("topicgate envoy-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpl := fs.String("template", "envoy/envoy.yaml", "the template to render")
	sets := setFlags{}
	fs.Var(sets, "set", "NAME=VALUE for a placeholder (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	raw, err := os.ReadFile(*tmpl)
	if err != nil {
		return err
	}
	out, err := RenderTemplate(string(raw), sets, getenv)
	if err != nil {
		return fmt.Errorf("%s: %w", *tmpl, err)
	}
	_, err = io.WriteString(stdout, out)
	return err
}

// RenderTemplate expands ${NAME} and ${NAME:-default} placeholders.
func RenderTemplate(tmpl string, sets map[string]string, getenv func(string) string) (string, error) {
	missing := map[string]bool{}
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		name := sub[1]
		if v, ok := sets[name]; ok {
			return v
		}
		if v := getenv(name); v != "" {
			return v
		}
		if strings.Contains(m, ":-") {
			return sub[2]
		}
		missing[name] = true
		return m
	})
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", fmt.Errorf("no value for %s", strings.Join(names, ", "))
	}
	return out, nil
}
