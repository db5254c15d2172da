package wsmantest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServerRejects(t *testing.T) {
	srv := New(t, "u", "p", func(Command) Reply { return Reply{} })
	post := func(user, body string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/wsman", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
		if user != "" {
			req.SetBasicAuth(user, "p")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, _ := post("", ""); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no credentials: %d", resp.StatusCode)
	}
	if resp, _ := post("intruder", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong user: %d", resp.StatusCode)
	}
	receive := `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
		`xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">` +
		`<env:Header><a:Action>` + ActionReceive + `</a:Action><a:MessageID>uuid:1</a:MessageID><w:ResourceURI>` + ResourceCmd +
		`</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">NOPE</w:Selector></w:SelectorSet></env:Header>` +
		`<env:Body><rsp:Receive><rsp:DesiredStream CommandId="C">stdout stderr</rsp:DesiredStream></rsp:Receive></env:Body></env:Envelope>`
	resp, body := post("u", receive)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "<s:Value>w:InvalidSelectors</s:Value>") {
		t.Fatalf("unknown shell: %d %s", resp.StatusCode, body)
	}
}
