// Package alb answers ALB fixed-response and redirect actions, checks jwt-validation tokens (jwt.go) and
// authenticate-oidc sessions (oidc.go), sets the TLS headers (tls.go) and applies ALB rule transforms inside Traefik.
// Traefik loads it from disk (experimental.localPlugins, interpreted by yaegi); provider/traefik/plugin.py
// writes its configuration. Routing was decided before this runs, on the original request, as on an ALB.
package alb

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Rewrite is one RE2 regex and its replacement (Go syntax: ${1}).
type Rewrite struct {
	Regex   string `json:"regex,omitempty"`
	Replace string `json:"replace,omitempty"`
}

// Fixed is a fixed-response action.
type Fixed struct {
	StatusCode  int    `json:"statusCode,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
}

// Redirect is a redirect action; #{...} placeholders expand from the request and the listener.
type Redirect struct {
	StatusCode       int    `json:"statusCode,omitempty"`
	Protocol         string `json:"protocol,omitempty"`
	Host             string `json:"host,omitempty"`
	Port             string `json:"port,omitempty"`
	Path             string `json:"path,omitempty"`
	Query            string `json:"query,omitempty"`
	ListenerProtocol string `json:"listenerProtocol,omitempty"`
	ListenerPort     string `json:"listenerPort,omitempty"`
}

// Config holds at most one answer (fixed or redirect), the token check before it and the rule's transforms.
type Config struct {
	Jwt          *Jwt      `json:"jwt,omitempty"`
	Oidc         *Oidc     `json:"oidc,omitempty"`
	Fixed        *Fixed    `json:"fixed,omitempty"`
	Redirect     *Redirect `json:"redirect,omitempty"`
	HostRewrites []Rewrite `json:"hostRewrites,omitempty"`
	URLRewrites  []Rewrite `json:"urlRewrites,omitempty"`
	TLSHeaders   bool      `json:"tlsHeaders,omitempty"`
	Mtls         *Mtls     `json:"mtls,omitempty"`

	// HeaderNames: ALB's name of a TLS or mTLS header -> the listener's name for it (when renamed)
	HeaderNames map[string]string `json:"headerNames,omitempty"`
}

// CreateConfig is called by Traefik before decoding the middleware's options.
func CreateConfig() *Config { return &Config{} }

type compiled struct {
	re      *regexp.Regexp
	replace string
}

type handler struct {
	next     http.Handler
	fixed    *Fixed
	redirect *Redirect
	hosts    []compiled
	urls     []compiled
	tls      *tlsHeaders
	mtls     *mtls
}

// New builds the middleware as a chain of the parts the rule uses: the TLS and mTLS headers, the token check (its
// own type, see bearer), the session check (its own type, see signedIn), then the answer or the transforms. Yaegi allocates every local of an interpreted
// function on each call, so each part's ServeHTTP holds only its own; a rule with a part missing skips it.
// A bad regex refuses the configuration (the API validated it already).
func New(_ context.Context, next http.Handler, cfg *Config, _ string) (http.Handler, error) {
	last := &handler{next: next, fixed: cfg.Fixed, redirect: cfg.Redirect}
	var err error
	if last.hosts, err = compile(cfg.HostRewrites); err != nil {
		return nil, err
	}
	if last.urls, err = compile(cfg.URLRewrites); err != nil {
		return nil, err
	}
	chain := next
	if last.fixed != nil || last.redirect != nil || len(last.hosts) > 0 || len(last.urls) > 0 {
		chain = last
	}
	if cfg.Oidc != nil {
		chain = &signedIn{next: chain, auth: newAuthenticator(cfg.Oidc)}
	}
	if cfg.Jwt != nil {
		chain = &bearer{next: chain, v: newVerifier(cfg.Jwt)}
	}
	if cfg.TLSHeaders || cfg.Mtls != nil {
		first := &handler{next: chain}
		if cfg.TLSHeaders {
			first.tls = newTLSHeaders(cfg.HeaderNames)
		}
		if cfg.Mtls != nil {
			if first.mtls, err = newMtls(cfg.Mtls, cfg.HeaderNames); err != nil {
				return nil, err
			}
		}
		chain = first
	}
	return chain, nil
}

func compile(rewrites []Rewrite) ([]compiled, error) {
	out := make([]compiled, 0, len(rewrites))
	for _, r := range rewrites {
		re, err := regexp.Compile(r.Regex)
		if err != nil {
			return nil, err
		}
		out = append(out, compiled{re: re, replace: r.Replace})
	}
	return out, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.tls != nil {
		h.tls.set(r)
	}
	if h.mtls != nil && !h.mtls.allow(w, r) {
		return
	}
	if h.fixed != nil {
		answerFixed(w, r, h.fixed)
		return
	}
	if h.redirect != nil {
		answerRedirect(w, r, h.redirect)
		return
	}
	if len(h.hosts) > 0 {
		r.Host = rewrite(h.hosts, r.Host)
	}
	if len(h.urls) > 0 && !rewriteURL(h.urls, r) {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h.next.ServeHTTP(w, r)
}

// rewrite applies each rewrite whose regex matches, in order; no match leaves the value as it was.
func rewrite(rewrites []compiled, value string) string {
	for _, c := range rewrites {
		value = c.re.ReplaceAllString(value, c.replace) // no match: the same string
	}
	return value
}

// rewriteURL rewrites path and query together; a result that is not a path is ALB's transform failure (500).
func rewriteURL(rewrites []compiled, r *http.Request) bool {
	original := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		original += "?" + r.URL.RawQuery
	}
	changed := rewrite(rewrites, original)
	if changed == original {
		return true
	}
	u, err := url.ParseRequestURI(changed)
	if err != nil || !strings.HasPrefix(changed, "/") {
		return false
	}
	r.URL.Path, r.URL.RawPath, r.URL.RawQuery = u.Path, u.RawPath, u.RawQuery
	r.RequestURI = u.RequestURI()
	return true
}

func answerFixed(w http.ResponseWriter, _ *http.Request, f *Fixed) {
	contentType := f.ContentType
	if contentType == "" {
		contentType = "text/plain"
	}
	if strings.HasPrefix(contentType, "text/") && !strings.Contains(contentType, "charset=") {
		contentType += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.Header().Set("Server", "awselb/2.0")
	w.WriteHeader(f.StatusCode)
	_, _ = w.Write([]byte(f.Body))
}

func answerRedirect(w http.ResponseWriter, r *http.Request, d *Redirect) {
	// strings.Replacer expands every placeholder in one pass: values from the request are never expanded again.
	// (Standard-library calls run natively; only this file is interpreted, so the work stays in them.)
	values := strings.NewReplacer(
		"#{protocol}", strings.ToLower(d.ListenerProtocol),
		"#{host}", withoutPort(r.Host),
		"#{port}", d.ListenerPort,
		"#{path}", strings.TrimPrefix(r.URL.EscapedPath(), "/"), // as the client wrote it, if validly encoded
		"#{query}", r.URL.RawQuery,
	)
	query := values.Replace(d.Query)
	location := strings.ToLower(values.Replace(d.Protocol)) + "://" + values.Replace(d.Host) + ":" +
		values.Replace(d.Port) + values.Replace(d.Path)
	if query != "" {
		location += "?" + query
	}
	w.Header().Set("Location", escape(location))
	w.Header().Set("Content-Length", "0")
	w.Header().Set("Server", "awselb/2.0")
	w.WriteHeader(d.StatusCode)
}

var unsafeByte = regexp.MustCompile(`[^!-~]`)

// escape percent-encodes what cannot go into a header: bytes outside printable ASCII, and spaces.
func escape(s string) string {
	if !unsafeByte.MatchString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

func withoutPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.Index(host, "]"); i >= 0 {
			return host[:i+1]
		}
		return host
	}
	if i := strings.LastIndex(host, ":"); i >= 0 {
		if _, err := strconv.Atoi(host[i+1:]); err == nil {
			return host[:i]
		}
	}
	return host
}
