// Command wsmanserver runs the WS-Management test server on its own, for
// the integration tests: it stands in for a Windows host. Every command
// succeeds and prints what it received ("cmd: <line> <args>" or
// "ps: <decoded PowerShell>"); a command mentioning "fail" exits 3 with a
// message on stderr. Protocol violations are printed as "PROTOCOL ERROR".
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/squall-io/squall/plugins/runner-winrm/internal/wsmantest"
)

type standIn struct{}

func (standIn) Cleanup(func()) {}
func (standIn) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "PROTOCOL ERROR: "+format+"\n", args...)
}

func main() {
	user := flag.String("user", "Administrator", "accepted user")
	password := flag.String("password", "secret", "accepted password")
	flag.Parse()
	srv := wsmantest.New(standIn{}, *user, *password, reply)
	fmt.Printf("listening %s\n", srv.Listener.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	<-stop
	srv.Close()
}

func reply(c wsmantest.Command) wsmantest.Reply {
	text := "cmd: " + strings.TrimSpace(c.Line+" "+strings.Join(c.Args, " "))
	if ps, ok := c.PowerShell(); ok {
		text = "ps: " + ps
	}
	if strings.Contains(text, "fail") {
		return wsmantest.Reply{Stderr: []string{"it failed"}, ExitCode: 3}
	}
	return wsmantest.Reply{Stdout: []string{text}}
}
