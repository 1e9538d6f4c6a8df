// Command ceiling is the benchmark's upper bound: a bare net/http server that reads and
// decodes the JSON body, as any mock must, and writes a fixed response. usermock's
// requests/s are reported as a fraction of this server's, measured in the same run.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

var fixed = []byte(`{"status":"success","message":"Success","data":{"serial":"JOHNILXV3QAJJEL3"}}`)

func handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__health" {
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var v any
	if err != nil || json.Unmarshal(body, &v) != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"bad request"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(fixed)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("ceiling serving on http://%s\n", ln.Addr())
	if err := http.Serve(ln, http.HandlerFunc(handle)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
