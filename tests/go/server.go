// SPDX-License-Identifier: GPL-2.0
// An HTTPS server for sslsniff's Go tests: on 127.0.0.1 (a port of the
// kernel's choice, printed as "ready PORT"), TLS with -cert and -key,
// HTTP/2 offered by ALPN as net/http does by default, every GET answered
// with the file -body.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	cert := flag.String("cert", "", "certificate (PEM)")
	key := flag.String("key", "", "private key (PEM)")
	body := flag.String("body", "", "the file every GET is answered with")
	flag.Parse()
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
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	})
	fmt.Fprintln(os.Stderr, http.ServeTLS(ln, h, *cert, *key))
	os.Exit(1)
}
