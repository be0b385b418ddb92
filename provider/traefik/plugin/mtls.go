package alb

// Mutual TLS headers to targets, in ALB's formats: verify mode (the certificate Traefik verified against the trust
// store; revoked serials refused) and passthrough (the chain the client sent, unverified).

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Mtls is the listener's mutual authentication as the plugin applies it.
type Mtls struct {
	Mode    string   `json:"mode,omitempty"`    // verify | passthrough
	Revoked []string `json:"revoked,omitempty"` // lower-case hex serials of the trust store's revocation lists
}

var mtlsHeaders = []string{
	"X-Amzn-Mtls-Clientcert", "X-Amzn-Mtls-Clientcert-Serial-Number", "X-Amzn-Mtls-Clientcert-Issuer",
	"X-Amzn-Mtls-Clientcert-Subject", "X-Amzn-Mtls-Clientcert-Validity", "X-Amzn-Mtls-Clientcert-Leaf",
}

type mtls struct {
	verify  bool
	revoked map[string]bool
}

func newMtls(cfg *Mtls) *mtls {
	m := &mtls{verify: cfg.Mode == "verify", revoked: map[string]bool{}}
	for _, s := range cfg.Revoked {
		m.revoked[strings.ToLower(s)] = true
	}
	return m
}

// allow removes what the client sent under the headers' names, sets them from the connection, and refuses a
// revoked certificate (403: the handshake itself cannot consult the lists here).
func (m *mtls) allow(w http.ResponseWriter, r *http.Request) bool {
	for _, name := range mtlsHeaders {
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
		r.Header.Set("X-Amzn-Mtls-Clientcert", strings.Join(parts, ""))
		return true
	}
	serial := fmt.Sprintf("%x", leaf.SerialNumber)
	if m.revoked[serial] {
		w.Header().Set("Connection", "close")
		http.Error(w, "Forbidden", http.StatusForbidden)
		return false
	}
	r.Header.Set("X-Amzn-Mtls-Clientcert-Serial-Number", strings.ToUpper(serial))
	r.Header.Set("X-Amzn-Mtls-Clientcert-Issuer", leaf.Issuer.String())
	r.Header.Set("X-Amzn-Mtls-Clientcert-Subject", leaf.Subject.String())
	r.Header.Set("X-Amzn-Mtls-Clientcert-Validity", "NotBefore="+leaf.NotBefore.UTC().Format("2006-01-02T15:04:05Z")+
		";NotAfter="+leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))
	r.Header.Set("X-Amzn-Mtls-Clientcert-Leaf", encodePEM(leaf))
	return true
}

// encodePEM: the certificate as PEM, URL-encoded with '+', '=' and '/' left as they are (ALB's format).
func encodePEM(c *x509.Certificate) string {
	text := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	return strings.ReplaceAll(url.PathEscape(text), "%2F", "/")
}
