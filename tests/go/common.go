// SPDX-License-Identifier: GPL-2.0
// What tests/go's client and server share (go_build builds each with this
// file): the TLS options of their flags, and the line a connection's own
// view of itself is written as.
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// A *tls.Conn, or a conn that embeds one.
type tlsConn interface {
	net.Conn
	ConnectionState() tls.ConnectionState
	NetConn() net.Conn
}

// wrapConn is a transport of the program's own: tls.Conn.conn's dynamic
// type is then *wrapConn, whose socket sslsniff must not look for.
type wrapConn struct {
	net.Conn
}

// goview is a TLS connection as Go sees it, as the line sslsniff's tests
// compare records with.
func goview(c tlsConn) string {
	fd := -1
	nc := c.NetConn()
	if w, ok := nc.(*wrapConn); ok {
		nc = w.Conn
	}
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			raw.Control(func(s uintptr) { fd = int(s) })
		}
	}
	st := c.ConnectionState()
	return fmt.Sprintf("fd=%d src=%s dst=%s tls_version=0x%04x cipher=%s alpn=%s", fd,
		c.LocalAddr(), c.RemoteAddr(), st.Version, tls.CipherSuiteName(st.CipherSuite),
		st.NegotiatedProtocol)
}

// configure sets cfg's KeyLogWriter to the file KEYLOG (none: "") and its
// MaxVersion to VERSION ("": Go's default).
func configure(cfg *tls.Config, keylog, version string) error {
	switch version {
	case "":
	case "1.2":
		cfg.MaxVersion = tls.VersionTLS12
	case "1.3":
		cfg.MaxVersion = tls.VersionTLS13
	default:
		return fmt.Errorf("-tls %q: 1.2 or 1.3", version)
	}
	if keylog == "" {
		return nil
	}
	f, err := os.OpenFile(keylog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0600)
	if err != nil {
		return err
	}
	cfg.KeyLogWriter = f
	return nil
}

// The -view file: a line per connection, from any goroutine.
var (
	viewFile *os.File
	viewMu   sync.Mutex
)

// openView makes PATH the -view file ("": none), or exits.
func openView(path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	viewFile = f
}

// writeView appends c's goview() line to the -view file, if any.
func writeView(c net.Conn) {
	tc, ok := c.(tlsConn)
	if viewFile == nil || !ok {
		return
	}
	viewMu.Lock()
	fmt.Fprintln(viewFile, goview(tc))
	viewMu.Unlock()
}
