package pysensor

import (
	"bufio"
	"io"
	"strings"

	"github.com/squall-io/squall/sdk/hostservice"
)

// MaxLine caps one line of a sensor's stdout or stderr in the host log: a
// sensor that prints without newlines must not grow our memory.
const MaxLine = 16 << 10

// pump logs each line the sensor writes on one stream through the host;
// stderr lines (warnings, tracebacks) at warn. It keeps the last stderr
// line for the error of a crash that reported nothing.
func (s *session) pump(r io.Reader, stream string) {
	level := "info"
	if stream == "stderr" {
		level = "warn"
	}
	emit := func(line []byte, cut int) {
		text := strings.TrimRight(string(line), "\r")
		if cut > 0 {
			text += "... [line truncated]"
		}
		if stream == "stderr" && strings.TrimSpace(text) != "" {
			s.mu.Lock()
			s.lastErr = strings.TrimSpace(text)
			s.mu.Unlock()
		}
		req := hostservice.LogRequest{Level: level, Message: text, Fields: map[string]string{"stream": stream}}
		if err := s.run.Host.Log(s.calls, req); err != nil {
			s.logger.Debug("failed to log a sensor's output", "error", err)
		}
	}
	br := bufio.NewReaderSize(r, 4096)
	var line []byte
	cut := 0
	for {
		frag, more, err := br.ReadLine()
		if err != nil {
			if len(line) > 0 || cut > 0 {
				emit(line, cut)
			}
			return
		}
		room := MaxLine - len(line)
		if len(frag) > room {
			cut += len(frag) - room
			frag = frag[:room]
		}
		line = append(line, frag...)
		if !more {
			emit(line, cut)
			line, cut = line[:0], 0
		}
	}
}
