package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeCredentials records the logged-in user (and the password when
// given; otherwise any stored password is removed) in the [credentials]
// section of the config file, keeping every other line as it was.
func writeCredentials(path, user, password string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("failed to read config file: %w", err)
	}
	want := map[string]string{"username": user}
	if password != "" {
		want["password"] = password
	}
	var out []string
	in := false
	flush := func() {
		for _, k := range []string{"username", "password"} {
			if v, ok := want[k]; ok {
				out = append(out, k+" = "+v)
				delete(want, k)
			}
		}
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	for _, line := range lines {
		s := strings.TrimSpace(line)
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			if in {
				flush()
			}
			in = s == "[credentials]"
			out = append(out, line)
			continue
		}
		if in {
			k, _, _ := strings.Cut(s, "=")
			k = strings.TrimSpace(k)
			if k == "username" || k == "password" {
				continue // rewritten by flush
			}
		}
		out = append(out, line)
	}
	if in {
		flush()
	}
	if len(want) > 0 {
		out = append(out, "[credentials]")
		flush()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("failed to create config dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("failed to write config file: %w", err)
	}
	return nil
}
