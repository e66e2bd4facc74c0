package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/topicgate/topicgate/pkg/identity"
)

// apikey hash prints a keys-file entry for an id and secret. The secret comes
// from -secret or, better (it stays out of shell history), standard input.
func apikey(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "hash" {
		return errors.New("usage: topicgate apikey hash -id ID [-secret SECRET | secret on stdin]")
	}
	fs := flag.NewFlagSet("topicgate apikey hash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "the key id (the Basic auth user name)")
	secret := fs.String("secret", "", "the secret (read from standard input when empty)")
	desc := fs.String("description", "", "a note kept beside the key")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *id == "" || strings.Contains(*id, ":") {
		return errors.New("-id is required and cannot contain ':'")
	}
	if *secret == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		*secret = strings.TrimRight(line, "\r\n")
	}
	if *secret == "" {
		return errors.New("no secret: pass -secret or write it to standard input")
	}
	h, err := identity.HashSecret(*secret)
	if err != nil {
		return err
	}
	out, err := yaml.Marshal([]identity.KeyEntry{{ID: *id, SecretHash: h, Description: *desc}})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "# add under `keys:` in the API keys file")
	_, err = stdout.Write(out)
	return err
}
