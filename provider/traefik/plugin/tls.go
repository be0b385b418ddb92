package alb

// X-Amzn-Tls-Version and X-Amzn-Tls-Cipher-Suite to targets (routing.http.x_amzn_tls_version_and_cipher_suite.enabled),
// under the listener's names for them.

import (
	"crypto/tls"
	"net/http"
)

// tlsVersions and opensslCiphers: the names ALB writes in X-Amzn-Tls-Version and X-Amzn-Tls-Cipher-Suite.
var tlsVersions = map[uint16]string{
	tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3",
}

var opensslCiphers = map[uint16]string{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:   "ECDHE-ECDSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:     "ECDHE-RSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256:   "ECDHE-ECDSA-AES128-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256:     "ECDHE-RSA-AES128-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:      "ECDHE-ECDSA-AES128-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:        "ECDHE-RSA-AES128-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:   "ECDHE-ECDSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:     "ECDHE-RSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:      "ECDHE-ECDSA-AES256-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:        "ECDHE-RSA-AES256-SHA",
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:           "AES128-GCM-SHA256",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256:           "AES128-SHA256",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:              "AES128-SHA",
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:           "AES256-GCM-SHA384",
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:              "AES256-SHA",
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305:      "ECDHE-RSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305:    "ECDHE-ECDSA-CHACHA20-POLY1305",
	tls.TLS_AES_128_GCM_SHA256:                    "TLS_AES_128_GCM_SHA256",
	tls.TLS_AES_256_GCM_SHA384:                    "TLS_AES_256_GCM_SHA384",
	tls.TLS_CHACHA20_POLY1305_SHA256:              "TLS_CHACHA20_POLY1305_SHA256",
}

const (
	versionHeader = "X-Amzn-Tls-Version"
	cipherHeader  = "X-Amzn-Tls-Cipher-Suite"
)

// tlsHeaders are the two headers' names on the listener (routing.http.request.x_amzn_tls_*.header_name).
type tlsHeaders struct {
	version, cipher string
	removed         []string // every name a client may forge: ALB's and the renamed ones
}

func newTLSHeaders(names map[string]string) *tlsHeaders {
	h := &tlsHeaders{version: named(names, versionHeader), cipher: named(names, cipherHeader)}
	h.removed = []string{versionHeader, cipherHeader}
	for _, name := range []string{h.version, h.cipher} {
		if name != versionHeader && name != cipherHeader {
			h.removed = append(h.removed, name)
		}
	}
	return h
}

// set replaces whatever the client sent under these names with the connection's own.
func (h *tlsHeaders) set(r *http.Request) {
	for _, name := range h.removed {
		r.Header.Del(name)
	}
	if r.TLS == nil {
		return
	}
	if name, ok := tlsVersions[r.TLS.Version]; ok {
		r.Header.Set(h.version, name)
	}
	if name, ok := opensslCiphers[r.TLS.CipherSuite]; ok {
		r.Header.Set(h.cipher, name)
	}
}
