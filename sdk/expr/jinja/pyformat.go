package jinja

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// filterFormat replaces gonja's format filter, which hands the template to
// Go's Sprintf ("%s" of an int gives "%!s(int=1)"), with Jinja's:
// value % args, or value % kwargs for "%(name)s".
func filterFormat(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if len(params.Args) > 0 && len(params.KwArgs) > 0 {
		return exec.AsValue(exec.ErrInvalidCall(errors.New("can't handle positional and keyword arguments at the same time")))
	}
	out, err := pyFormat(in.String(), params.Args, params.KwArgs)
	if err != nil {
		return exec.AsValue(exec.ErrInvalidCall(err))
	}
	return exec.AsValue(out)
}

// pyFormat implements Python's printf-style formatting for the conversions
// templates use: s r d i u f F e E g G x X o c and %%.
func pyFormat(f string, args []*exec.Value, kwargs map[string]*exec.Value) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return "", errors.New("incomplete format")
		}
		var arg *exec.Value
		if f[i] == '(' {
			end := strings.IndexByte(f[i:], ')')
			if end < 0 {
				return "", errors.New("incomplete format key")
			}
			v, ok := kwargs[f[i+1:i+end]]
			if !ok {
				return "", fmt.Errorf("format key %q not given", f[i+1:i+end])
			}
			arg = v
			i += end + 1
		}
		start := i
		for i < len(f) && strings.IndexByte("#0- +", f[i]) >= 0 {
			i++
		}
		for i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.') {
			i++
		}
		for i < len(f) && strings.IndexByte("hlL", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return "", errors.New("incomplete format")
		}
		spec := "%" + strings.NewReplacer("h", "", "l", "", "L", "").Replace(f[start:i])
		verb := f[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if arg == nil {
			if next >= len(args) {
				return "", errors.New("not enough arguments for format string")
			}
			arg = args[next]
			next++
		}
		s, err := pyConvert(spec, verb, arg)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	if next < len(args) {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

func pyConvert(spec string, verb byte, v *exec.Value) (string, error) {
	switch verb {
	case 's':
		return fmt.Sprintf(spec+"s", pyString(v)), nil
	case 'r', 'a':
		s := pyString(v)
		if v.IsString() {
			s = "'" + s + "'"
		}
		return fmt.Sprintf(spec+"s", s), nil
	case 'd', 'i', 'u':
		if !v.IsNumber() && !v.IsBool() {
			return "", fmt.Errorf("%%%c format: a number is required, not %q", verb, v.String())
		}
		return fmt.Sprintf(spec+"d", pyInt(v)), nil
	case 'x', 'X', 'o':
		if !v.IsInteger() {
			return "", fmt.Errorf("%%%c format: an integer is required, not %q", verb, v.String())
		}
		return fmt.Sprintf(spec+string(verb), pyInt(v)), nil
	case 'f', 'F', 'e', 'E', 'g', 'G':
		if !v.IsNumber() && !v.IsBool() {
			return "", fmt.Errorf("%%%c format: a number is required, not %q", verb, v.String())
		}
		if !strings.Contains(spec, ".") {
			spec += ".6"
		}
		return fmt.Sprintf(spec+string(verb), v.Float()), nil
	case 'c':
		if v.IsInteger() {
			return fmt.Sprintf(spec+"c", rune(v.Integer())), nil
		}
		if s := v.String(); v.IsString() && len([]rune(s)) == 1 {
			return fmt.Sprintf(spec+"s", s), nil
		}
		return "", errors.New("%c requires an int or a single character")
	}
	return "", fmt.Errorf("unsupported format character %q", verb)
}

// pyString is str(value): gonja already prints lists and dicts the Python
// way; None prints "None" here as in Python.
func pyString(v *exec.Value) string {
	switch {
	case v.IsNil():
		return "None"
	case v.IsBool():
		if v.Bool() {
			return "True"
		}
		return "False"
	}
	return v.String()
}

func pyInt(v *exec.Value) int64 {
	if v.IsBool() {
		if v.Bool() {
			return 1
		}
		return 0
	}
	if v.IsFloat() {
		return int64(v.Float())
	}
	n, err := strconv.ParseInt(v.String(), 10, 64)
	if err != nil {
		return int64(v.Integer())
	}
	return n
}
