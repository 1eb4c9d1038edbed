// SPDX-License-Identifier: GPL-2.0
// The program btf-db's Go entries are made from (scripts/btf-db-gen.sh):
// it links crypto/tls and net, so that its DWARF describes the types
// sslsniff reads (crypto/tls.Conn, net.TCPConn, net.netFD,
// internal/poll.FD), laid out as the toolchain that built it lays them out
// in every program. With -offsets it prints where that toolchain puts the
// fields bpf/go.bpf.h reads, by reflection ("TYPE FIELD.PATH OFFSET", TYPE
// as sslsniff names it in BTF): the ground truth t-go-btf-db checks the
// entries against. Otherwise it dials 127.0.0.1:1 (never run for the entries).
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"reflect"
	"strings"
)

// offset is the byte offset of the field PATH ("conn.fd") inside T.
func offset(t reflect.Type, path string) uintptr {
	var off uintptr
	for _, name := range strings.Split(path, ".") {
		f, ok := t.FieldByName(name)
		if !ok {
			fmt.Fprintf(os.Stderr, "%s has no field %s\n", t, name)
			os.Exit(1)
		}
		off += f.Offset
		t = f.Type
	}
	return off
}

func field(t reflect.Type, name string) reflect.Type {
	f, ok := t.FieldByName(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "%s has no field %s\n", t, name)
		os.Exit(1)
	}
	return f.Type
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-offsets" {
		conn := reflect.TypeOf(tls.Conn{})
		tcp := reflect.TypeOf(net.TCPConn{})
		netfd := field(field(tcp, "conn"), "fd").Elem()
		pfd := field(netfd, "pfd")
		// An interface value is {tab, data}, a string {str, len}: 8-byte words.
		c, proto := offset(conn, "conn"), offset(conn, "clientProtocol")
		fmt.Printf("go_crypto_tls__Conn conn.tab %d\n", c)
		fmt.Printf("go_crypto_tls__Conn conn.data %d\n", c+8)
		fmt.Printf("go_crypto_tls__Conn vers %d\n", offset(conn, "vers"))
		fmt.Printf("go_crypto_tls__Conn cipherSuite %d\n", offset(conn, "cipherSuite"))
		fmt.Printf("go_crypto_tls__Conn clientProtocol.str %d\n", proto)
		fmt.Printf("go_crypto_tls__Conn clientProtocol.len %d\n", proto+8)
		fmt.Printf("go_net__TCPConn conn.fd %d\n", offset(tcp, "conn.fd"))
		fmt.Printf("go_net__netFD pfd.Sysfd %d\n", offset(netfd, "pfd.Sysfd"))
		fmt.Printf("go_internal_poll__FD Sysfd %d\n", offset(pfd, "Sysfd"))
		return
	}
	c, err := tls.Dial("tcp", "127.0.0.1:1", &tls.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c.Write([]byte("sslsniff"))
	c.Close()
}
