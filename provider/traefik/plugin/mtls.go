package alb

// Mutual TLS headers to targets, in ALB's formats: verify mode (the certificate verified against the trust store;
// revoked serials refused) and passthrough (the chain the client sent, unverified).

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Mtls is the listener's mutual authentication as the plugin applies it.
type Mtls struct {
	Mode    string   `json:"mode,omitempty"`    // verify | passthrough
	Revoked []string `json:"revoked,omitempty"` // lower-case hex serials of the trust store's revocation lists
	// Roots is the trust store's bundle (PEM) when Traefik asks for any certificate and this plugin verifies it:
	// Go sends the CA names whenever it verifies (AdvertiseTrustStoreCaNames off), and cannot ignore expiry.
	Roots        string `json:"roots,omitempty"`
	IgnoreExpiry bool   `json:"ignoreExpiry,omitempty"`
}

const (
	serialHeader   = "X-Amzn-Mtls-Clientcert-Serial-Number"
	issuerHeader   = "X-Amzn-Mtls-Clientcert-Issuer"
	subjectHeader  = "X-Amzn-Mtls-Clientcert-Subject"
	validityHeader = "X-Amzn-Mtls-Clientcert-Validity"
	leafHeader     = "X-Amzn-Mtls-Clientcert-Leaf"
	chainHeader    = "X-Amzn-Mtls-Clientcert"
	maxVerified    = 10000 // certificates remembered as verified; the set starts over when it is this large
)

type mtls struct {
	verify  bool
	revoked map[string]bool
	roots   *x509.CertPool // nil: Traefik verified the certificate in the handshake
	ignore  bool

	// the listener's names for ALB's headers; removed holds every name a client may forge (ALB's, the renamed)
	serial, issuer, subject, validity, leaf, chain string
	removed                                        []string

	mu       sync.RWMutex
	verified map[string]bool // leaf DER -> verified against roots
}

func newMtls(cfg *Mtls, names map[string]string) (*mtls, error) {
	m := &mtls{verify: cfg.Mode == "verify", revoked: map[string]bool{}, ignore: cfg.IgnoreExpiry,
		verified: map[string]bool{}}
	for _, s := range cfg.Revoked {
		m.revoked[strings.ToLower(s)] = true
	}
	if cfg.Roots != "" {
		m.roots = x509.NewCertPool()
		if !m.roots.AppendCertsFromPEM([]byte(cfg.Roots)) {
			return nil, fmt.Errorf("mtls: no certificate in the trust store's bundle")
		}
	}
	for _, h := range []string{serialHeader, issuerHeader, subjectHeader, validityHeader, leafHeader, chainHeader} {
		m.removed = append(m.removed, h)
		if renamed := names[h]; renamed != "" {
			m.removed = append(m.removed, renamed)
		}
	}
	m.serial, m.issuer, m.subject = named(names, serialHeader), named(names, issuerHeader), named(names, subjectHeader)
	m.validity, m.leaf, m.chain = named(names, validityHeader), named(names, leafHeader), named(names, chainHeader)
	return m, nil
}

// named is the listener's name for ALB's header h (routing.http.request.<h>.header_name), or h itself.
func named(names map[string]string, h string) string {
	if renamed := names[h]; renamed != "" {
		return renamed
	}
	return h
}

// allow removes what the client sent under the headers' names, sets them from the connection, and refuses a
// revoked certificate, or one the trust store does not verify when that is checked here (403: the handshake
// itself cannot consult the lists, nor verify without naming the CAs).
func (m *mtls) allow(w http.ResponseWriter, r *http.Request) bool {
	for _, name := range m.removed {
		r.Header.Del(name)
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return true
	}
	leaf := r.TLS.PeerCertificates[0]
	if !m.verify {
		parts := make([]string, 0, len(r.TLS.PeerCertificates))
		for _, c := range r.TLS.PeerCertificates {
			parts = append(parts, encodePEM(c))
		}
		r.Header.Set(m.chain, strings.Join(parts, ""))
		return true
	}
	serial := fmt.Sprintf("%x", leaf.SerialNumber)
	if m.revoked[serial] || (m.roots != nil && !m.trusted(r.TLS.PeerCertificates)) {
		w.Header().Set("Connection", "close")
		http.Error(w, "Forbidden", http.StatusForbidden)
		return false
	}
	r.Header.Set(m.serial, strings.ToUpper(serial))
	r.Header.Set(m.issuer, leaf.Issuer.String())
	r.Header.Set(m.subject, leaf.Subject.String())
	r.Header.Set(m.validity, "NotBefore="+leaf.NotBefore.UTC().Format("2006-01-02T15:04:05Z")+
		";NotAfter="+leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))
	r.Header.Set(m.leaf, encodePEM(leaf))
	return true
}

// trusted verifies the chain as Go's handshake would (client-auth usage, the sent intermediates), at the leaf's
// expiry instead of now when expiry is ignored; a verified leaf is remembered, so a connection's next requests
// cost a map lookup.
func (m *mtls) trusted(chain []*x509.Certificate) bool {
	leaf, now := chain[0], time.Now()
	m.mu.RLock()
	known := m.verified[string(leaf.Raw)]
	m.mu.RUnlock()
	if known && (m.ignore || !now.After(leaf.NotAfter)) {
		return true
	}
	at := now
	if m.ignore && now.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: m.roots, Intermediates: intermediates, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return false
	}
	m.mu.Lock()
	if len(m.verified) >= maxVerified {
		m.verified = map[string]bool{}
	}
	m.verified[string(leaf.Raw)] = true
	m.mu.Unlock()
	return true
}

// encodePEM: the certificate as PEM, URL-encoded with '+', '=' and '/' left as they are (ALB's format).
func encodePEM(c *x509.Certificate) string {
	text := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	return strings.ReplaceAll(url.PathEscape(text), "%2F", "/")
}
