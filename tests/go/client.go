// SPDX-License-Identifier: GPL-2.0
// An HTTPS client for sslsniff's Go tests: GETs -url with the header
// -header, reads the whole body and prints its length and SHA-256. With
// -n N, N goroutines do so at once, each on a connection of its own, the
// i-th GETting the URL with "-i" appended. With -dump DIR, connection i's
// plaintext writes (what it passes to tls.Conn.Write) go to DIR/i.w: the
// ground truth of the request bytes (HTTP/1.1 only: the wrapper hides
// ALPN from net/http), and its reads to DIR/i.r. -wait FILE: start once
// FILE exists. With -view FILE, each new connection's own view of itself
// goes to FILE as a line (goview(): fd, addresses, version, suite, ALPN).
// -keylog FILE: the secrets appended to FILE by Config.KeyLogWriter (the
// key log ground truth); -tls 1.2 or 1.3: the highest version offered
// (MaxVersion). -wrap: tls.Conn's transport is a net.Conn of this
// program's own around the TCP connection, not a *net.TCPConn.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

var (
	wrap bool
	// Set by main: the Config every connection's is made from.
	baseConfig = &tls.Config{InsecureSkipVerify: true}
)

type dumpConn struct {
	*tls.Conn
	mu   sync.Mutex
	f, r *os.File
}

func (c *dumpConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.r.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *dumpConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.f.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *dumpConn) Close() error {
	c.f.Close()
	c.r.Close()
	return c.Conn.Close()
}

func transport(dump string, i int) *http.Transport {
	cfg := baseConfig.Clone()
	t := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, DisableKeepAlives: false}
	if wrap {
		cfg.NextProtos = []string{"h2", "http/1.1"}
		t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			raw, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c := tls.Client(&wrapConn{raw}, cfg)
			if err := c.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			return c, nil
		}
	}
	if dump == "" {
		return t
	}
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := tls.Client(raw, cfg)
		if err := c.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		f, err := os.Create(filepath.Join(dump, fmt.Sprintf("%d.w", i)))
		if err != nil {
			c.Close()
			return nil, err
		}
		r, err := os.Create(filepath.Join(dump, fmt.Sprintf("%d.r", i)))
		if err != nil {
			f.Close()
			c.Close()
			return nil, err
		}
		return &dumpConn{Conn: c, f: f, r: r}, nil
	}
	return t
}

func get(url, header, dump string, i int) (string, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return "", err
	}
	if k, v, ok := strings.Cut(header, ":"); ok {
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			writeView(i.Conn)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	t := transport(dump, i)
	defer t.CloseIdleConnections()
	resp, err := (&http.Client{Transport: t, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %d %x", resp.Proto, n, h.Sum(nil)), nil
}

func main() {
	url := flag.String("url", "", "the URL to GET")
	header := flag.String("header", "", "a header to send, \"Name: value\"")
	n := flag.Int("n", 0, "goroutines, each on its own connection (0: one GET of -url)")
	dump := flag.String("dump", "", "directory for each connection's plaintext writes")
	wait := flag.String("wait", "", "start once this file exists")
	view := flag.String("view", "", "file for each connection's own view of itself")
	keylog := flag.String("keylog", "", "append the TLS secrets to this file (KeyLogWriter)")
	version := flag.String("tls", "", "the highest TLS version offered: 1.2 or 1.3")
	flag.BoolVar(&wrap, "wrap", false, "a net.Conn of the program's own under tls.Conn")
	flag.Parse()
	if err := configure(baseConfig, *keylog, *version); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	openView(*view)
	for *wait != "" {
		if _, err := os.Stat(*wait); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if *n == 0 {
		out, err := get(*url, *header, *dump, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(out)
		return
	}
	outs := make([]string, *n)
	errs := make([]error, *n)
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outs[i], errs[i] = get(fmt.Sprintf("%s-%d", *url, i), *header, *dump, i)
		}(i)
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil {
			fmt.Fprintln(os.Stderr, i, errs[i])
			os.Exit(1)
		}
		fmt.Println(i, outs[i])
	}
}
