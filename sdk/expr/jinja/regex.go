package jinja

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

// regexTimeout bounds one match: backtracking patterns can be exponential.
const regexTimeout = 500 * time.Millisecond

// pyRegex is a Python re pattern compiled with regexp2. Python numbers
// groups in order of appearance, named or not, whereas .NET numbers named
// groups last; so named groups are compiled as plain groups and their names
// kept here.
type pyRegex struct {
	re     *regexp2.Regexp
	names  map[string]int
	groups int
}

func compilePy(pattern string, ignorecase, anchored bool) (*pyRegex, error) {
	translated, names, groups, err := translatePy(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %w", pattern, err)
	}
	if anchored {
		// re.match anchors at the start only, unlike a full match.
		translated = `\A(?:` + translated + `)`
	}
	opts := regexp2.RegexOptions(regexp2.None)
	if ignorecase {
		opts = regexp2.IgnoreCase
	}
	re, err := regexp2.Compile(translated, opts)
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %w", pattern, err)
	}
	re.MatchTimeout = regexTimeout
	return &pyRegex{re: re, names: names, groups: groups}, nil
}

// translatePy rewrites the Python-only syntax: (?P<name>...), (?P=name) and
// \Z (end of string, which is \z in .NET).
func translatePy(p string) (string, map[string]int, int, error) {
	var b strings.Builder
	names := map[string]int{}
	groups := 0
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", nil, 0, errors.New("bad escape (end of pattern)")
			}
			if p[i+1] == 'Z' && !inClass {
				b.WriteString(`\z`)
			} else {
				b.WriteString(p[i : i+2])
			}
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		case c == '(' && strings.HasPrefix(p[i:], "(?P<"):
			end := strings.IndexByte(p[i:], '>')
			if end < 0 {
				return "", nil, 0, errors.New("missing > in group name")
			}
			groups++
			names[p[i+4:i+end]] = groups
			b.WriteByte('(')
			i += end
			continue
		case c == '(' && strings.HasPrefix(p[i:], "(?P="):
			end := strings.IndexByte(p[i:], ')')
			if end < 0 {
				return "", nil, 0, errors.New("missing ) in group reference")
			}
			n, ok := names[p[i+4:i+end]]
			if !ok {
				return "", nil, 0, fmt.Errorf("unknown group name %q", p[i+4:i+end])
			}
			fmt.Fprintf(&b, `(?:\%d)`, n)
			i += end
			continue
		case c == '(' && !strings.HasPrefix(p[i:], "(?"):
			groups++
		}
		b.WriteByte(c)
	}
	return b.String(), names, groups, nil
}

func (r *pyRegex) group(m *regexp2.Match, n int) string {
	if g := m.GroupByNumber(n); g != nil && len(g.Captures) > 0 {
		return g.String()
	}
	// An unmatched group is "" in findall and sub (Python 3.5+).
	return ""
}

// findall is re.findall: whole matches without groups, the group with one,
// a list of groups with several.
func (r *pyRegex) findall(s string) ([]any, error) {
	out := []any{}
	m, err := r.re.FindStringMatch(s)
	for ; m != nil && err == nil; m, err = r.re.FindNextMatch(m) {
		switch r.groups {
		case 0:
			out = append(out, m.String())
		case 1:
			out = append(out, r.group(m, 1))
		default:
			tuple := make([]any, r.groups)
			for i := range tuple {
				tuple[i] = r.group(m, i+1)
			}
			out = append(out, tuple)
		}
	}
	return out, err
}

// sub is re.sub with Python's replacement syntax (\1, \g<1>, \g<name>).
func (r *pyRegex) sub(s, repl string) (string, error) {
	var expandErr error
	out, err := r.re.ReplaceFunc(s, func(m regexp2.Match) string {
		res, err := r.expand(&m, repl)
		if err != nil && expandErr == nil {
			expandErr = err
		}
		return res
	}, -1, -1)
	if expandErr != nil {
		return "", expandErr
	}
	return out, err
}

func (r *pyRegex) expand(m *regexp2.Match, repl string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		c = repl[i]
		switch {
		case c >= '1' && c <= '9':
			n := int(c - '0')
			if i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' {
				n = n*10 + int(repl[i+1]-'0')
				i++
			}
			if n > r.groups {
				return "", fmt.Errorf("invalid group reference %d", n)
			}
			b.WriteString(r.group(m, n))
		case c == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+1 >= len(repl) || repl[i+1] != '<' || end < 0 {
				return "", errors.New("missing group name in \\g<...>")
			}
			name := repl[i+2 : i+end]
			n, err := strconv.Atoi(name)
			if err != nil {
				var ok bool
				if n, ok = r.names[name]; !ok {
					return "", fmt.Errorf("unknown group name %q", name)
				}
			}
			if n < 0 || n > r.groups {
				return "", fmt.Errorf("invalid group reference %d", n)
			}
			b.WriteString(r.group(m, n))
			i += end
		case c == '0':
			b.WriteByte(0)
		default:
			if e, ok := replEscapes[c]; ok {
				b.WriteString(e)
			} else if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", fmt.Errorf("bad escape \\%c in replacement", c)
			} else {
				b.WriteByte('\\')
				b.WriteByte(c)
			}
		}
	}
	return b.String(), nil
}

var replEscapes = map[byte]string{
	'\\': `\`, 'n': "\n", 't': "\t", 'r': "\r", 'f': "\f", 'v': "\v", 'a': "\a", 'b': "\b",
}
