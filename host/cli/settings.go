package cli

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v3"
)

// settings are the resolved connection settings: flag, then environment,
// then config file, then default, as st2client does.
type settings struct {
	configFile string
	apiURL     string
	authURL    string
	streamURL  string
	cacert     string
	basicAuth  string
	debug      bool
	username   string
	password   string
	apiKey     string
	token      string
	cacheToken bool
}

// defaultBaseURL is st2client's default.
const defaultBaseURL = "http://127.0.0.1"

// iniFile is a parsed ini file: section -> key -> value.
type iniFile map[string]map[string]string

func (f iniFile) get(section, key string) string { return f[section][key] }

// parseINI reads the subset of ini st2's config uses: [sections],
// key = value (or key: value), # and ; comments.
func parseINI(r io.Reader) (iniFile, error) {
	out := iniFile{}
	section := ""
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "" || s[0] == '#' || s[0] == ';':
			continue
		case s[0] == '[' && s[len(s)-1] == ']':
			section = strings.TrimSpace(s[1 : len(s)-1])
			if out[section] == nil {
				out[section] = map[string]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			k, v, ok = strings.Cut(s, ":")
		}
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: expected key = value inside a [section]", line)
		}
		out[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, sc.Err()
}

func (a *app) configPath(cmd *cli.Command) string {
	if p := cmd.String("config-file"); p != "" {
		return p
	}
	if p := a.opts.Env("ST2_CONFIG_FILE"); p != "" {
		return p
	}
	return filepath.Join(a.opts.HomeDir, ".st2", "config")
}

func (a *app) settings(cmd *cli.Command) (*settings, error) {
	s := &settings{configFile: a.configPath(cmd), cacheToken: true}
	ini := iniFile{}
	if !cmd.Bool("skip-config") {
		f, err := os.Open(s.configFile)
		if err == nil {
			ini, err = parseINI(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("failed to parse config file %s: %w", s.configFile, err)
			}
		} else if cmd.IsSet("config-file") {
			return nil, fmt.Errorf("config file %s: %w", s.configFile, err)
		}
	}
	pick := func(flag, env, section, key, dflt string) string {
		if v := cmd.String(flag); flag != "" && v != "" {
			return v
		}
		if v := a.opts.Env(env); env != "" && v != "" {
			return v
		}
		if v := ini.get(section, key); v != "" {
			return v
		}
		return dflt
	}
	base := strings.TrimRight(pick("url", "ST2_BASE_URL", "general", "base_url", defaultBaseURL), "/")
	api, auth, stream, err := endpoints(base)
	if err != nil {
		return nil, err
	}
	s.apiURL = strings.TrimRight(pick("api-url", "ST2_API_URL", "api", "url", api), "/")
	s.authURL = strings.TrimRight(pick("auth-url", "ST2_AUTH_URL", "auth", "url", auth), "/")
	s.streamURL = strings.TrimRight(pick("stream-url", "ST2_STREAM_URL", "stream", "url", stream), "/")
	s.cacert = pick("cacert", "ST2_CACERT", "general", "cacert", "")
	s.basicAuth = pick("basic-auth", "", "general", "basic_auth", "")
	s.debug = cmd.Bool("debug") || isTrue(ini.get("cli", "debug"))
	s.username = ini.get("credentials", "username")
	s.password = ini.get("credentials", "password")
	s.apiKey = pick("api-key", "ST2_API_KEY", "credentials", "api_key", "")
	s.token = pick("token", "ST2_AUTH_TOKEN", "", "", "")
	if v := ini.get("cli", "cache_token"); v != "" {
		s.cacheToken = isTrue(v)
	}
	return s, nil
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// endpoints derives the API, auth and stream URLs from a base URL. Without
// a port it is StackStorm's layout (API :9101/v1, auth :9100, stream
// :9102/v1); with a port it is one listener serving everything under
// /api/v1, /auth/v1 and /stream/v1 (Squall, or StackStorm behind nginx).
func endpoints(base string) (api, auth, stream string, err error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", "", "", usagef("invalid base URL %q: want e.g. http://127.0.0.1 or http://host:9101", base)
	}
	if u.Port() != "" {
		return base + "/api/v1", base + "/auth/v1", base + "/stream/v1", nil
	}
	host := u.Scheme + "://" + u.Hostname()
	if strings.Contains(u.Hostname(), ":") {
		host = u.Scheme + "://[" + u.Hostname() + "]"
	}
	return host + ":9101/v1", host + ":9100", host + ":9102/v1", nil
}

func (s *settings) print(w io.Writer) {
	fmt.Fprintf(w, "config file: %s\napi url: %s\nauth url: %s\nstream url: %s\nusername: %s\ndebug: %v\ncache token: %v\n",
		s.configFile, s.apiURL, s.authURL, s.streamURL, s.username, s.debug, s.cacheToken)
}
