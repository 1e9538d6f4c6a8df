package mocks

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// The QA console: plain HTML, CSS and JavaScript embedded in the binary, served at / (when no
// API is mounted there) and under /__ui/. The page calls only this server: the admin API and
// the mounted APIs, same origin.
//
//go:embed console
var consoleFiles embed.FS

// consoleCSP lets the page load and call nothing but this server, and no other page frame it.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// isConsolePath reports whether a path is the console's, which is guarded as the admin API.
func isConsolePath(p string) bool {
	return p == "/__ui" || strings.HasPrefix(p, "/__ui/")
}

// mountConsole serves the console behind the admin guard: it shows the admin API's data, so
// it answers no other origin and no DNS-rebound Host either.
func (s *Server) mountConsole(r *mux.Router) {
	files, _ := fs.Sub(consoleFiles, "console") // the directory is embedded: cannot fail
	static := http.StripPrefix("/__ui/", http.FileServerFS(files))
	index := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	})
	r.Handle("/__ui", http.RedirectHandler("/__ui/", http.StatusMovedPermanently)).Methods(http.MethodGet, http.MethodHead)
	r.PathPrefix("/__ui/").Handler(s.guardAdmin(consoleHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__ui/" || r.URL.Path == "/__ui/index.html" {
			index.ServeHTTP(w, r)
			return
		}
		static.ServeHTTP(w, r)
	})))).Methods(http.MethodGet, http.MethodHead)
	if !s.root {
		r.Path("/").Handler(s.guardAdmin(consoleHeaders(index))).Methods(http.MethodGet, http.MethodHead)
	}
}

func consoleHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}
