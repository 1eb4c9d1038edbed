// SPDX-License-Identifier: GPL-2.0
// An HTTPS server for sslsniff's Go tests: on 127.0.0.1 (a port of the
// kernel's choice, printed as "ready PORT"), TLS with -cert and -key,
// HTTP/2 offered by ALPN as net/http does by default, every GET answered
// with the file -body. With -view FILE, each request's connection as
// the server sees it goes to FILE as a line (fd, addresses, version,
// suite, ALPN: goview() of common.go). -keylog FILE: the secrets
// appended to FILE by Config.KeyLogWriter; -tls 1.2 or 1.3: the highest
// version accepted.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

type connKey struct{}

func main() {
	cert := flag.String("cert", "", "certificate (PEM)")
	key := flag.String("key", "", "private key (PEM)")
	body := flag.String("body", "", "the file every GET is answered with")
	view := flag.String("view", "", "file for each request's connection as the server sees it")
	keylog := flag.String("keylog", "", "append the TLS secrets to this file (KeyLogWriter)")
	version := flag.String("tls", "", "the highest TLS version accepted: 1.2 or 1.3")
	flag.Parse()
	cfg := &tls.Config{}
	if err := configure(cfg, *keylog, *version); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	openView(*view)
	data, err := os.ReadFile(*body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("ready %d\n", ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*tls.Conn); ok {
			writeView(c)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	})
	// ServeTLS adds "h2" to a copy of TLSConfig's NextProtos, as http.ServeTLS does.
	srv := &http.Server{Handler: h, TLSConfig: cfg, ConnContext: func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}}
	fmt.Fprintln(os.Stderr, srv.ServeTLS(ln, *cert, *key))
	os.Exit(1)
}
