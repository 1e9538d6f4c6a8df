package mocks

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// isAdminPath reports whether a path is the admin API's, which never answers other origins.
func isAdminPath(p string) bool {
	return p == "/__admin" || strings.HasPrefix(p, "/__admin/")
}

// crossOrigin reports why a request comes from a page of another origin, or "" when it does
// not: an Origin header naming another origin than the server's own (the request's Host), or
// Sec-Fetch-Site cross-site / same-site. Plain clients (curl, CI scripts) send neither.
func crossOrigin(r *http.Request) string {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return "Sec-Fetch-Site: " + r.Header.Get("Sec-Fetch-Site")
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return ""
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return "Origin " + origin
	}
	return ""
}

// trustedHost reports whether the request's Host names this machine (127.0.0.1, [::1],
// localhost, any port) or one of the configured addresses: a page on a DNS-rebound name
// reaches the server with its own name as Host.
func (s *Server) trustedHost(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, h := range s.adminHosts {
		if strings.EqualFold(h, host) || strings.EqualFold(h, r.Host) {
			return true
		}
	}
	return false
}
