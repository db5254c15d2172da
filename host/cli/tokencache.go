package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// tokenResponse is the body of POST /auth/v1/tokens.
type tokenResponse struct {
	ID       string         `json:"id"`
	User     string         `json:"user"`
	Token    string         `json:"token"`
	Expiry   string         `json:"expiry"`
	Metadata map[string]any `json:"metadata"`
}

// cachedTokenFile is st2client's cache: ~/.st2/token-<username>, JSON with
// the token and its expiry as a Unix timestamp.
type cachedTokenFile struct {
	Token           string `json:"token"`
	ExpireTimestamp int64  `json:"expire_timestamp"`
}

// tokenMargin: a cached token this close to expiry is not used.
const tokenMargin = 15 * time.Second

func (c *client) tokenPath(user string) string {
	return filepath.Join(c.app.opts.HomeDir, ".st2", "token-"+user)
}

// cachedToken returns a token for the configured user: the cached one if
// still valid, else a new one when the config holds a password.
func (c *client) cachedToken() (string, error) {
	if c.s.username == "" {
		return "", nil
	}
	if c.s.cacheToken {
		if data, err := os.ReadFile(c.tokenPath(c.s.username)); err == nil {
			var f cachedTokenFile
			if json.Unmarshal(data, &f) == nil && f.Token != "" &&
				time.Unix(f.ExpireTimestamp, 0).After(time.Now().Add(tokenMargin)) {
				return f.Token, nil
			}
		}
	}
	if c.s.password == "" {
		return "", nil
	}
	tok, err := c.fetchToken(c.s.username, c.s.password, 0)
	if err != nil {
		return "", err
	}
	if c.s.cacheToken {
		if err := c.saveToken(tok); err != nil {
			fmt.Fprintf(c.app.opts.Stderr, "WARNING: %v\n", err)
		}
	}
	return tok.Token, nil
}

// fetchToken logs in with a password.
func (c *client) fetchToken(user, password string, ttl int) (*tokenResponse, error) {
	var body any
	if ttl > 0 {
		body = map[string]int{"ttl": ttl}
	}
	var tok tokenResponse
	_, err := c.do(request{method: "POST", url: c.s.authURL + "/tokens", body: body, basicUser: user, basicPass: password}, &tok)
	if err != nil {
		return nil, err
	}
	return &tok, nil
}

// saveToken writes the cache file (0600, in a 0700 directory).
func (c *client) saveToken(tok *tokenResponse) error {
	exp, err := time.Parse(time.RFC3339Nano, tok.Expiry)
	if err != nil {
		return fmt.Errorf("server sent an unreadable token expiry %q", tok.Expiry)
	}
	path := c.tokenPath(tok.User)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("failed to cache the token: %w", err)
	}
	data, _ := json.Marshal(cachedTokenFile{Token: tok.Token, ExpireTimestamp: exp.Unix()})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("failed to cache the token: %w", err)
	}
	return os.Chmod(path, 0o600)
}
