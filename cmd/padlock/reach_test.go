package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// guardedSite serves a page that loads an http: script and links a checkout, over TLS, only to
// requests with the basic auth, cookies and header the test gives (401 otherwise); it writes its
// certificate for --ca-file.
func guardedSite(t *testing.T, auth, header string, cookies ...string) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		ok := user+":"+pass == auth && r.Header.Get("X-Token") == header
		for _, c := range cookies {
			ok = ok && strings.Contains(r.Header.Get("Cookie"), c)
		}
		if !ok {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<script src="http://cdn.example.test/a.js"></script><a href="/checkout/pay">pay</a>`)
		case "/checkout/pay":
			fmt.Fprint(w, `<div id="card-mount"></div><script src="https://js.pay.example.test/v3.js"></script>`)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

// TestSecretsNeverReachAnOutput: the values of -H, --cookie, --cookies and PADLOCK_BASIC_AUTH
// reach the site (it answers 401 without them) and no report of any format, nor standard output
// or error; the report's config names them.
func TestSecretsNeverReachAnOutput(t *testing.T) {
	t.Parallel()
	const header, cookie, fileCookie, pass = "S3cretHeaderValue", "S3cretCookieValue", "S3cretFileCookie", "S3cretPassword"
	srv, ca := guardedSite(t, "preview:"+pass, header, "given="+cookie, "fromfile="+fileCookie)
	dir := t.TempDir()
	cookies := filepath.Join(dir, "cookies.txt")
	os.WriteFile(cookies, []byte("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tTRUE\t0\tfromfile\t"+fileCookie+"\n"), 0o600)
	summary := filepath.Join(dir, "summary.md")
	env := func(k string) string {
		return map[string]string{"PADLOCK_BASIC_AUTH": "preview:" + pass, "GITHUB_STEP_SUMMARY": summary}[k]
	}
	out := filepath.Join(dir, "reports") + "/"
	args := []string{"crawl", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-H", "X-Token: " + header, "--cookie", "given=" + cookie, "--cookies", cookies, "--payment-page", "/checkout/",
		"-f", "json", "-f", "html", "-f", "sarif", "-f", "junit", "-f", "github", "-f", "markdown", "-o", out, srv.URL + "/"}
	code, stdout, stderr := runCLIEnv(t, context.Background(), env, args...)
	if code != exitFindings {
		t.Fatalf("exit %d: the site did not get the credentials?\n%s", code, stderr)
	}
	outputs := map[string]string{"standard output": stdout, "standard error": stderr}
	for _, name := range []string{"padlock.json", "padlock.html", "padlock.sarif", "padlock.xml"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		outputs[name] = string(b)
	}
	b, _ := os.ReadFile(summary)
	outputs["markdown job summary"] = string(b)
	for name, text := range outputs {
		if text == "" && name != "standard output" {
			t.Errorf("%s is empty", name)
		}
		for _, secret := range []string{header, cookie, fileCookie, pass, "cHJldmlldzpTM2NyZXRQYXNzd29yZA"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds the secret %q", name, secret)
			}
		}
	}
	if !strings.Contains(stdout, "::error") {
		t.Errorf("no annotations on standard output:\n%s", stdout)
	}
	var rep struct {
		Config map[string]any `json:"config"`
		Pages  []struct {
			URL     string   `json:"url"`
			Payment bool     `json:"payment"`
			Signals []string `json:"payment_signals"`
		} `json:"pages"`
	}
	if err := json.Unmarshal([]byte(outputs["padlock.json"]), &rep); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(rep.Config)
	for _, want := range []string{`"headers":["X-Token"]`, `"cookies":["fromfile","given"]`, `"basic_auth":true`, `"payment_pages":["/checkout/"]`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("config %s lacks %s", got, want)
		}
	}
	paid := false
	for _, p := range rep.Pages {
		if p.URL == srv.URL+"/checkout/pay" {
			paid = p.Payment && len(p.Signals) == 1 && p.Signals[0] == `URL matches --payment-page "/checkout/"`
		}
	}
	if !paid {
		t.Errorf("/checkout/pay is not a payment page by --payment-page: %+v", rep.Pages)
	}
}

// TestCredentialMistakesHideTheValue: a bad --basic-auth, PADLOCK_BASIC_AUTH or --cookie is a
// usage error that names the setting, never the value.
func TestCredentialMistakesHideTheValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--basic-auth", "S3cretNoColon"}, "--basic-auth: want USER:PASS"},
		{"S3cretNoColon", nil, "PADLOCK_BASIC_AUTH: want USER:PASS"},
		{"", []string{"--cookie", "a=S3cret;x"}, "--cookie: not a valid cookie"},
		{"", []string{"--cookie", "S3cret"}, "--cookie: want NAME=VALUE"},
	} {
		env := func(k string) string {
			if k == "PADLOCK_BASIC_AUTH" {
				return tc.env
			}
			return ""
		}
		code, _, stderr := runCLIEnv(t, context.Background(), env, append(append([]string{"crawl"}, tc.args...), "https://127.0.0.1/")...)
		if code != exitTrouble || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "S3cret") {
			t.Errorf("%v: exit %d\n%s", tc.args, code, stderr)
		}
	}
}

// TestWaitForGivesUpWithExitTwo: a start URL that never answers within --wait-for is exit 2,
// with the waiting shown and a clear error.
func TestWaitForGivesUpWithExitTwo(t *testing.T) {
	t.Parallel()
	srv, ca := guardedSite(t, "a:b", "")
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, context.Background(), "crawl", "--ca-file", ca, "--ignore-robots", "--wait-for", "2s", "-o", out, srv.URL+"/")
	if code != exitTrouble {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"padlock: waiting for " + srv.URL + "/ to answer (0s of --wait-for 2s; last try: HTTP 401)",
		"did not answer within --wait-for 2s (last try: HTTP 401)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no report written: %v", err)
	}
}
