package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// shellWords splits a command line as a POSIX shell would, for the quoting
// people use when they paste a curl command: 'single', "double" (with \",
// \\, \$ and \` escapes), backslash escapes and backslash-newline
// continuations. Nothing is expanded: $VAR stays as written. An unquoted
// |, ; or & ends the command (a pasted `curl ... | jq .`).
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '\\' && i+1 < len(line):
			i++
			if line[i] != '\n' {
				cur.WriteByte(line[i])
				inWord = true
			}
		case ch == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated ' quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`\n", line[i+1]) >= 0 {
					i++
					if line[i] == '\n' {
						continue
					}
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errors.New(`unterminated " quote`)
			}
			inWord = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '|' || ch == ';' || ch == '&':
			i = len(line)
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// curlFlags are the curl options eval understands: true takes a value.
// Options that only change what curl prints or how it connects are accepted
// and ignored; anything else is refused, so that a request is never
// evaluated differently from how curl would send it.
var curlFlags = map[string]bool{
	"-X": true, "--request": true,
	"-H": true, "--header": true,
	"-d": true, "--data": true, "--data-ascii": true, "--data-binary": true, "--data-raw": true, "--json": true,
	"-u": true, "--user": true,
	"-A": true, "--user-agent": true,
	"-b": true, "--cookie": true,
	"--url": true,
	// Accepted and ignored: output, progress, timeouts, TLS, redirects.
	"-s": false, "--silent": false, "-S": false, "--show-error": false, "-v": false, "--verbose": false,
	"-i": false, "--include": false, "-k": false, "--insecure": false, "-L": false, "--location": false,
	"-f": false, "--fail": false, "--fail-with-body": false, "--compressed": false, "-N": false, "--no-buffer": false,
	"-#": false, "--progress-bar": false, "-g": false, "--globoff": false, "--http1.1": false, "--http2": false,
	"-o": true, "--output": true, "-w": true, "--write-out": true, "-m": true, "--max-time": true,
	"--connect-timeout": true, "--retry": true, "--cacert": true, "-E": true, "--cert": true, "--key": true,
}

// curlIgnored are the options of curlFlags that change nothing in the request.
var curlIgnored = map[string]bool{
	"-o": true, "--output": true, "-w": true, "--write-out": true, "-m": true, "--max-time": true,
	"--connect-timeout": true, "--retry": true, "--cacert": true, "-E": true, "--cert": true, "--key": true,
}

// parseCurl reads the words of a curl command (after "curl") into a request,
// with the headers curl itself adds: Accept: */*, the Content-Type of -d
// (application/x-www-form-urlencoded, as curl sends, unless -H names one)
// or --json, and Authorization for -u.
func parseCurl(words []string) (*evalRequest, error) {
	req := &evalRequest{headers: map[string]string{}}
	var method, user, url string
	var data []string
	hasData, isJSON := false, false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") || w == "-" {
			if url != "" {
				return nil, fmt.Errorf("curl: a second URL %q: eval takes one request", w)
			}
			url = w
			continue
		}
		name, value, attached := w, "", false
		if !strings.HasPrefix(w, "--") && len(w) > 2 {
			// Short options combine (-sS) and take their value attached (-XPOST).
			for j := 1; j < len(w); j++ {
				opt := "-" + w[j:j+1]
				takes, ok := curlFlags[opt]
				if !ok {
					return nil, fmt.Errorf("curl: option %s (in %s) is not supported by eval", opt, w)
				}
				if takes {
					name, value, attached = opt, w[j+1:], j+1 < len(w)
					break
				}
				name = ""
			}
			if name == "" { // only flags without values
				continue
			}
		}
		takes, ok := curlFlags[name]
		if !ok {
			return nil, fmt.Errorf("curl: option %s is not supported by eval", name)
		}
		if !takes {
			continue
		}
		if !attached {
			if i+1 >= len(words) {
				return nil, fmt.Errorf("curl: option %s needs a value", name)
			}
			i++
			value = words[i]
		}
		switch name {
		case "-X", "--request":
			method = value
		case "-H", "--header":
			if err := req.addHeader(value); err != nil {
				return nil, err
			}
		case "-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--json":
			d, err := curlData(name, value)
			if err != nil {
				return nil, err
			}
			data = append(data, d)
			hasData = true
			isJSON = isJSON || name == "--json"
		case "-u", "--user":
			user = value
		case "-A", "--user-agent":
			req.headers["user-agent"] = value
		case "-b", "--cookie":
			req.headers["cookie"] = value
		case "--url":
			url = value
		default:
			if !curlIgnored[name] {
				return nil, fmt.Errorf("curl: option %s is not supported by eval", name)
			}
		}
	}
	if url == "" {
		return nil, errors.New("curl: no URL")
	}
	if err := req.setURL(url); err != nil {
		return nil, err
	}
	if hasData {
		sep := "&" // as curl joins several -d
		if isJSON {
			sep = ""
		}
		req.body = []byte(strings.Join(data, sep))
	}
	switch {
	case method != "":
		req.method = method
	case hasData:
		req.method = "POST"
	default:
		req.method = "GET"
	}
	if _, ok := req.headers["accept"]; !ok {
		req.headers["accept"] = "*/*"
		if isJSON {
			req.headers["accept"] = "application/json"
		}
	}
	if _, ok := req.headers["content-type"]; !ok && hasData {
		req.headers["content-type"] = "application/x-www-form-urlencoded"
		if isJSON {
			req.headers["content-type"] = "application/json"
		}
	}
	if user != "" {
		if !strings.Contains(user, ":") {
			return nil, fmt.Errorf("curl: -u %s: give user:password (curl would prompt for the password)", user)
		}
		req.headers["authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(user))
	}
	return req, nil
}

// curlData reads a -d style value: "@file" reads the file (-d and --data
// drop its newlines, as curl does; --data-binary and --json keep them);
// --data-raw takes @ literally.
func curlData(name, value string) (string, error) {
	file, ok := strings.CutPrefix(value, "@")
	if !ok || name == "--data-raw" {
		return value, nil
	}
	var b []byte
	var err error
	if file == "-" {
		b, err = readAllStdin()
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("curl: %s @%s: %w", name, file, err)
	}
	if name == "-d" || name == "--data" || name == "--data-ascii" {
		b = []byte(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
	}
	return string(b), nil
}
