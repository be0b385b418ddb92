package alb

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Jwt is a jwt-validation action: the bearer token checked before the rule's last action.
type Jwt struct {
	JwksEndpoint string  `json:"jwksEndpoint,omitempty"`
	Issuer       string  `json:"issuer,omitempty"`
	Claims       []Claim `json:"claims,omitempty"`
}

// Claim is one additional claim: single-string, string-array or space-separated-values.
type Claim struct {
	Format string   `json:"format,omitempty"`
	Name   string   `json:"name,omitempty"`
	Values []string `json:"values,omitempty"`
}

const (
	maxJwksBytes = 150 << 10 // ALB's limits on the JWKS response
	maxJwksKeys  = 10
	// An unknown kid fetches the key set again, at most this often, so forged kids cannot flood the IdP.
	refetchEvery = time.Second
	// Tokens found valid are remembered until their exp, so a client's next requests skip the RSA check and the
	// decoding (interpreted code is slow); the set starts over when it is this large.
	maxRemembered = 10000
)

// ALB's own 401 page.
const unauthorizedBody = "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n" +
	"<center><h1>401 Authorization Required</h1></center>\r\n</body>\r\n</html>\r\n"

var errJwks = errors.New("unusable key set")

type verifier struct {
	cfg     *Jwt
	client  *http.Client
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
	validMu sync.RWMutex
	valid   map[string]int64 // Authorization header -> the token's exp, Unix ns
}

func newVerifier(cfg *Jwt) *verifier {
	return &verifier{cfg: cfg, client: &http.Client{Timeout: 5 * time.Second}, valid: map[string]int64{}}
}

// bearer is the jwt-validation step. A token found valid before passes with one map lookup, written inline: yaegi
// makes every call to an interpreted function costly, so the slow path (allow) runs only for a new token.
type bearer struct {
	next http.Handler
	v    *verifier
}

func (h *bearer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := h.v
	if auth := r.Header["Authorization"]; len(auth) == 1 {
		v.validMu.RLock()
		exp, known := v.valid[auth[0]]
		v.validMu.RUnlock()
		if known && time.Now().UnixNano() < exp {
			h.next.ServeHTTP(w, r)
			return
		}
	}
	if v.allow(w, r) {
		h.next.ServeHTTP(w, r)
	}
}

// allow answers 401 (RFC 6750's challenge) and returns false unless the request has a valid bearer token;
// a valid token goes on unchanged, and is remembered when it came as the request's only Authorization header.
func (v *verifier) allow(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "bearer ") {
		unauthorized(w, "Bearer")
		return false
	}
	reason, exp := v.check(strings.TrimSpace(auth[7:]), float64(time.Now().UnixNano())/1e9)
	if reason != "" {
		unauthorized(w, `Bearer error="invalid_token", error_description="`+reason+`"`)
		return false
	}
	if len(r.Header["Authorization"]) == 1 {
		v.validMu.Lock()
		if len(v.valid) >= maxRemembered {
			v.valid = map[string]int64{}
		}
		v.valid[auth] = int64(exp * 1e9)
		v.validMu.Unlock()
	}
	return true
}

// check returns why the token is refused ("" for a valid one) and its exp; now is in Unix seconds.
func (v *verifier) check(token string, seconds float64) (string, float64) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "malformed token", 0
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if !decodeSegment(parts[0], &header) {
		return "malformed header", 0
	}
	if header.Alg != "RS256" {
		return "only RS256 is accepted", 0
	}
	signature, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil {
		return "malformed signature", 0
	}
	key := v.key(header.Kid)
	if key == nil {
		return "unknown signing key", 0
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], signature) != nil {
		return "bad signature", 0
	}
	var claims map[string]interface{}
	if !decodeSegment(parts[1], &claims) {
		return "malformed claims", 0
	}
	if iss, _ := claims["iss"].(string); iss != v.cfg.Issuer {
		return "wrong issuer", 0
	}
	exp, ok := claims["exp"].(float64)
	if !ok || seconds >= exp {
		return "expired or no exp", 0
	}
	if nbf, present := claims["nbf"]; present {
		if t, ok := nbf.(float64); !ok || seconds < t {
			return "not valid yet", 0
		}
	}
	if iat, present := claims["iat"]; present {
		if t, ok := iat.(float64); !ok || t > seconds {
			return "issued in the future", 0
		}
	}
	for _, c := range v.cfg.Claims {
		if !matches(c, claims[c.Name]) {
			return "claim " + c.Name + " does not match", 0
		}
	}
	return "", exp
}

// matches: a single string equal to one of the values; an array or a space-separated string holding every value.
func matches(c Claim, value interface{}) bool {
	var have []string
	switch c.Format {
	case "single-string":
		s, ok := value.(string)
		return ok && contains(c.Values, s)
	case "space-separated-values":
		s, ok := value.(string)
		if !ok {
			return false
		}
		have = strings.Fields(s)
	default: // string-array
		items, ok := value.([]interface{})
		if !ok {
			return false
		}
		for _, item := range items {
			if s, ok := item.(string); ok {
				have = append(have, s)
			}
		}
	}
	return containsAll(have, c.Values)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !contains(have, w) {
			return false
		}
	}
	return true
}

// key finds the kid's key (a token without kid: the only key), fetching the key set again when it is unknown.
func (v *verifier) key(kid string) *rsa.PublicKey {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k := pick(v.keys, kid); k != nil {
		return k
	}
	if !v.fetched.IsZero() && time.Since(v.fetched) < refetchEvery {
		return nil
	}
	v.fetched = time.Now()
	if keys, err := v.fetch(); err == nil {
		v.keys = keys
	}
	return pick(v.keys, kid)
}

func pick(keys map[string]*rsa.PublicKey, kid string) *rsa.PublicKey {
	if kid == "" && len(keys) == 1 {
		for _, k := range keys {
			return k
		}
	}
	return keys[kid]
}

func (v *verifier) fetch() (map[string]*rsa.PublicKey, error) {
	resp, err := v.client.Get(v.cfg.JwksEndpoint)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJwksBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || len(body) > maxJwksBytes {
		return nil, errJwks
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) > maxJwksKeys {
		return nil, errJwks
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, errN := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.N, "="))
		e, errE := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.E, "="))
		if k.Kty != "RSA" || errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

func decodeSegment(segment string, into interface{}) bool {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(segment, "="))
	return err == nil && json.Unmarshal(raw, into) == nil
}

func unauthorized(w http.ResponseWriter, challenge string) {
	if challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(unauthorizedBody)))
	w.Header().Set("Server", "awselb/2.0")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(unauthorizedBody))
}
