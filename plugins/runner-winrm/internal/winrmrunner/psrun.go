package winrmrunner

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// maxCmdLength is cmd.exe's command-line limit (st2's WINRM_MAX_CMD_LENGTH).
const maxCmdLength = 8191

// uploadChunk is how many script bytes one upload command carries, so its
// encoded command stays under maxCmdLength (st2's chunk size).
const uploadChunk = 2048

// runPS runs a PowerShell script with its parameters as st2's run_ps
// does: as one encoded command ("& {script} params") when that fits on a
// command line, else uploaded to a temporary file on the host, run from
// there and removed.
func (s *session) runPS(ctx context.Context, shellID, script, args string, stdout, stderr io.Writer) (int, error) {
	whole := script
	if args != "" {
		whole = "& {" + script + "} " + args
	}
	if cmd := psCommand(whole); len(cmd) <= maxCmdLength {
		return s.execute(ctx, shellID, cmd, stdout, stderr)
	}
	dir, err := s.psStep(ctx, shellID, "create a temporary directory for the script",
		"$dir = Join-Path ([System.IO.Path]::GetTempPath()) ([System.IO.Path]::GetRandomFileName())\n"+
			"New-Item -ItemType Directory -Path $dir | Out-Null\n$dir")
	if err != nil {
		return -1, err
	}
	dir = strings.TrimSpace(dir)
	if dir == "" {
		return -1, fmt.Errorf("failed to create a temporary directory for the script on host %s: no path returned", s.host)
	}
	defer s.cleanup(ctx, func(ctx context.Context) error {
		_, err := s.psStep(ctx, shellID, "remove the temporary script",
			"Remove-Item -Force -Recurse -LiteralPath "+psValue(dir, ""))
		return err
	})
	path := dir + `\script.ps1`
	data := []byte(script)
	for off := 0; off < len(data); off += uploadChunk {
		chunk := data[off:min(off+uploadChunk, len(data))]
		// Appending raw bytes works on every PowerShell (Add-Content
		// -Encoding Byte is gone from PowerShell 6).
		if _, err := s.psStep(ctx, shellID, "upload the script",
			"$bytes = [System.Convert]::FromBase64String('"+base64.StdEncoding.EncodeToString(chunk)+"')\n"+
				"$f = [System.IO.File]::Open("+psValue(path, "")+", [System.IO.FileMode]::Append)\n"+
				"try { $f.Write($bytes, 0, $bytes.Length) } finally { $f.Close() }"); err != nil {
			return -1, err
		}
	}
	// st2 runs the bare path, which breaks on a temp dir with spaces; the
	// call operator on a quoted path does not.
	invoke := "& " + psValue(path, "")
	if args != "" {
		invoke += " " + args
	}
	return s.execute(ctx, shellID, psCommand(invoke), stdout, stderr)
}

// psStep runs a helper script and returns its stdout, failing with its
// output when it exits non-zero (st2's _run_ps_or_raise).
func (s *session) psStep(ctx context.Context, shellID, what, script string) (string, error) {
	var stdout, stderr bytes.Buffer
	code, err := s.execute(ctx, shellID, psCommand(script), &stdout, &stderr)
	if err != nil {
		return "", fmt.Errorf("failed to %s: %w", what, err)
	}
	if code != 0 {
		return "", fmt.Errorf("failed to %s (exit code %d): stdout = %s, stderr = %s",
			what, code, strings.TrimSpace(stdout.String()), cleanCLIXML(stderr.String()))
	}
	return stdout.String(), nil
}
