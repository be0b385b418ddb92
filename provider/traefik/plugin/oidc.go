package alb

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Oidc is an authenticate-oidc action: the session cookie checked before the rule's last action. The sign-in round
// trip (/oauth2/idpresponse) and refreshes go to the server, which seals sessions with the same key.
type Oidc struct {
	AuthorizationEndpoint string  `json:"authorizationEndpoint,omitempty"`
	ClientID              string  `json:"clientId,omitempty"`
	Issuer                string  `json:"issuer,omitempty"`
	Scope                 string  `json:"scope,omitempty"`
	ExtraParams           []Param `json:"extraParams,omitempty"`
	CookieName            string  `json:"cookieName,omitempty"`
	OnUnauthenticated     string  `json:"onUnauthenticated,omitempty"`
	Rule                  string  `json:"rule,omitempty"`   // the rule's id: the server finds the action by it
	Signer                string  `json:"signer,omitempty"` // the load balancer ARN
	Key                   string  `json:"key,omitempty"`    // AES-256-GCM, base64: the server keeps it in the state dir
	RefreshURL            string  `json:"refreshUrl,omitempty"`
}

// Param is one AuthenticationRequestExtraParams entry.
type Param struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
}

// session is what the sealed cookie holds (written by the server, provider/auth/sessions.py).
type session struct {
	Issuer      string  `json:"iss"`
	Client      string  `json:"client"`
	Signer      string  `json:"signer"`
	Expires     float64 `json:"exp"`  // the session's end (SessionTimeout after sign-in)
	AccessUntil float64 `json:"aexp"` // the access token's end
	AccessToken string  `json:"at"`
	Identity    string  `json:"sub"`
	Data        string  `json:"data"` // x-amzn-oidc-data, signed by the server
	Refresh     bool    `json:"refreshable"` // the sealed cookie also holds a refresh token (for the server only)

	accessToken, identity, data []string // the header values, made once
	validUntil                  int64    // AccessUntil in Unix nanoseconds, as the fast path compares it
}

const (
	nonceCookie   = "AWSALBAuthNonce"
	callbackPath  = "/oauth2/idpresponse"
	maxShards     = 4
	nonceLifetime = 900 // seconds a sign-in may take
	oidcPrefix    = "X-Amzn-Oidc-"
)

type authenticator struct {
	cfg     *Oidc
	aead    cipher.AEAD
	client  *http.Client
	mu      sync.RWMutex
	known   map[string]*session // a request's Cookie header -> the session it holds (ServeHTTP's fast path)
	opened  map[string]*session // sealed cookie -> its session, so a cookie seen before is not opened again
	invalid error
}

func newAuthenticator(cfg *Oidc) *authenticator {
	a := &authenticator{cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}, known: map[string]*session{},
		opened: map[string]*session{}}
	key, err := base64.StdEncoding.DecodeString(cfg.Key)
	if err != nil {
		a.invalid = err
		return a
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		a.invalid = err
		return a
	}
	a.aead, a.invalid = cipher.NewGCM(block)
	return a
}

// signedIn is the authenticate-oidc step of a rule's chain. Every authenticated request passes here, so a known
// session is checked inline, not in a method: under yaegi one interpreted call costs more than the whole check, and
// each standard-library call goes through reflect, so it makes three (the lock and the clock) and compares the rest
// itself (no strings.HasPrefix per header, no Header.Get). The Cookie header as sent is the key.
type signedIn struct {
	next http.Handler
	auth *authenticator
}

func (h *signedIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := h.auth
	for name := range r.Header {
		if len(name) > len(oidcPrefix) && name[:len(oidcPrefix)] == oidcPrefix {
			delete(r.Header, name) // whatever x-amzn-oidc-* the client sent
		}
	}
	var s *session
	if cookies := r.Header["Cookie"]; len(cookies) == 1 {
		a.mu.RLock()
		s = a.known[cookies[0]]
		a.mu.RUnlock()
	}
	if s != nil && time.Now().UnixNano() < s.validUntil { // AccessUntil is never past Expires
		r.Header["X-Amzn-Oidc-Accesstoken"] = s.accessToken
		r.Header["X-Amzn-Oidc-Identity"] = s.identity
		r.Header["X-Amzn-Oidc-Data"] = s.data
	} else if !a.allow(w, r) {
		return
	}
	h.next.ServeHTTP(w, r)
}

// allow answers a request the fast path did not know: it sets the x-amzn-oidc-* headers of a valid session and
// returns true; without one it answers as OnUnauthenticatedRequest says (302 to the IdP, 401) or lets the request
// through. The client's x-amzn-oidc-* headers were removed already.
func (a *authenticator) allow(w http.ResponseWriter, r *http.Request) bool {
	if a.invalid != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return false
	}
	now := float64(time.Now().UnixNano()) / 1e9
	sealed := a.cookie(r)
	s := a.session(sealed, now)
	if s != nil && now >= s.AccessUntil && s.Refresh {
		s = a.refresh(w, sealed, now)
	}
	if s != nil && now < s.AccessUntil {
		// The Cookie header as sent is the fast path's key; only a request with one such header is remembered,
		// so the key always holds the session cookie itself.
		if cookies := r.Header["Cookie"]; len(cookies) == 1 {
			a.mu.Lock()
			remember(a.known, cookies[0], s)
			a.mu.Unlock()
		}
		s.set(r)
		return true
	}
	switch a.cfg.OnUnauthenticated {
	case "allow":
		return true
	case "deny":
		unauthorized(w, "")
		return false
	}
	a.signIn(w, r, now)
	return false
}

// cookie joins the session cookie's shards (-0, -1, ...).
func (a *authenticator) cookie(r *http.Request) string {
	var sealed strings.Builder
	for i := 0; i < maxShards; i++ {
		c, err := r.Cookie(a.cfg.CookieName + "-" + strconv.Itoa(i))
		if err != nil {
			break
		}
		sealed.WriteString(c.Value)
	}
	return sealed.String()
}

// session opens a sealed cookie: nil when it is absent, tampered with, of another IdP, client or load balancer,
// or past its SessionTimeout.
func (a *authenticator) session(sealed string, now float64) *session {
	if sealed == "" {
		return nil
	}
	a.mu.RLock()
	s, ok := a.opened[sealed]
	a.mu.RUnlock()
	if !ok {
		s = a.open(sealed)
		if s == nil {
			return nil
		}
		a.mu.Lock()
		remember(a.opened, sealed, s)
		a.mu.Unlock()
	}
	if now >= s.Expires {
		return nil
	}
	return s
}

// set puts the session's three headers on the request (values made once, when the cookie was opened).
func (s *session) set(r *http.Request) {
	r.Header["X-Amzn-Oidc-Accesstoken"] = s.accessToken
	r.Header["X-Amzn-Oidc-Identity"] = s.identity
	r.Header["X-Amzn-Oidc-Data"] = s.data
}

// remember adds to a cache, emptying it first when full (held under a.mu).
func remember(cache map[string]*session, key string, s *session) {
	if len(cache) >= maxRemembered {
		for k := range cache {
			delete(cache, k)
		}
	}
	cache[key] = s
}

func (a *authenticator) open(sealed string) *session {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	size := a.aead.NonceSize()
	if err != nil || len(raw) < size {
		return nil
	}
	plain, err := a.aead.Open(nil, raw[:size], raw[size:], []byte("session"))
	if err != nil {
		return nil
	}
	s := &session{}
	if json.Unmarshal(plain, s) != nil || s.Issuer != a.cfg.Issuer || s.Client != a.cfg.ClientID ||
		s.Signer != a.cfg.Signer {
		return nil
	}
	s.accessToken, s.identity, s.data = []string{s.AccessToken}, []string{s.Identity}, []string{s.Data}
	s.validUntil = int64(s.AccessUntil * 1e9)
	return s
}

// refresh asks the server to use the session's refresh token; the new cookie's shards go out with the response.
func (a *authenticator) refresh(w http.ResponseWriter, sealed string, now float64) *session {
	body, _ := json.Marshal(map[string]string{"rule": a.cfg.Rule, "session": sealed})
	resp, err := a.client.Post(a.cfg.RefreshURL, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var answer struct {
		Session string   `json:"session"`
		Cookies []string `json:"cookies"`
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &answer) != nil {
		return nil
	}
	s := a.session(answer.Session, now)
	if s == nil {
		return nil
	}
	for _, c := range answer.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	return s
}

// signIn answers ALB's 302 to the authorization endpoint; the state (sealed) names the rule and the original URL
// and is bound to the nonce cookie.
func (a *authenticator) signIn(w http.ResponseWriter, r *http.Request, now float64) {
	nonce := make([]byte, 32)
	iv := make([]byte, a.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	if _, err := rand.Read(iv); err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	n := base64.RawURLEncoding.EncodeToString(nonce)
	host := r.Host
	plain, _ := json.Marshal(map[string]interface{}{
		"nonce": n, "rule": a.cfg.Rule, "url": "https://" + host + r.URL.RequestURI(), "iat": now,
	})
	state := base64.RawURLEncoding.EncodeToString(append(iv, a.aead.Seal(nil, iv, plain, []byte("state"))...))
	query := url.Values{}
	query.Set("client_id", a.cfg.ClientID)
	query.Set("redirect_uri", "https://"+host+callbackPath)
	query.Set("response_type", "code")
	query.Set("scope", a.cfg.Scope)
	query.Set("state", state)
	query.Set("nonce", n)
	for _, p := range a.cfg.ExtraParams {
		if _, ours := query[p.Name]; !ours {
			query.Set(p.Name, p.Value)
		}
	}
	separator := "?"
	if strings.Contains(a.cfg.AuthorizationEndpoint, "?") {
		separator = "&"
	}
	w.Header().Add("Set-Cookie", nonceCookie+"="+n+"; Max-Age="+strconv.Itoa(nonceLifetime)+
		"; Path=/; Secure; HttpOnly; SameSite=None")
	w.Header().Set("Location", a.cfg.AuthorizationEndpoint+separator+query.Encode())
	w.Header().Set("Content-Length", "0")
	w.Header().Set("Server", "awselb/2.0")
	w.WriteHeader(http.StatusFound)
}
