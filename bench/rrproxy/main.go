// Command rrproxy is the load balancer of the benchmark's replicas mode: a reverse proxy that
// sends each request, /__health included, to the next of its backends in turn.
//
//	rrproxy -addr 127.0.0.1:4010 -backend http://127.0.0.1:4011 -backend http://127.0.0.1:4012
package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4010", "listen address")
	var backends []*url.URL
	flag.Func("backend", "base URL of a backend (repeat for each)", func(s string) error {
		u, err := url.Parse(s)
		if err == nil && (u.Scheme == "" || u.Host == "") {
			err = fmt.Errorf("%q: want http://HOST:PORT", s)
		}
		backends = append(backends, u)
		return err
	})
	flag.Parse()
	if len(backends) == 0 {
		fmt.Fprintln(os.Stderr, "rrproxy: give at least one -backend URL")
		os.Exit(2)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64 // the default, 2, would open a connection per request under load
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backends[(next.Add(1)-1)%uint64(len(backends))])
		},
	}
	if err := http.ListenAndServe(*addr, proxy); err != nil {
		fmt.Fprintln(os.Stderr, "rrproxy:", err)
		os.Exit(1)
	}
}
