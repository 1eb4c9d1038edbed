// SPDX-License-Identifier: GPL-2.0
/*
 * sslsniff: show the plaintext that programs send and receive through
 * OpenSSL, GnuTLS and NSS, captured with eBPF uprobes.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf/btf_cache.h"
#include "btf/btf_db.h"
#include "btf/core_btf.h"
#include "btf/layout.h"
#include "cgroup/cgroup_layout.h"
#include "session.h"
#include "target/target_file.h"
#include "lib/log.h"
#include "lib/out_file.h"
#include "lib/priv_drop.h"
#include "options.h"
#include "tls_funcs.h"

#define DEFAULT_RING_SIZE	(8U << 20)
#define KERNEL_BTF_PATH		"/sys/kernel/btf/vmlinux"

const char *argp_program_version = "sslsniff " SSLSNIFF_VERSION;
const char *argp_program_bug_address = "the project's issue tracker";

static const char doc[] =
	"Show the plaintext that programs send and receive through TLS libraries "
	"(OpenSSL, GnuTLS, NSS), captured with eBPF.\n"
	"\n"
	"By default every TLS library on the system is traced, including those of "
	"processes started later and of containers.\n"
	"\n"
	"EXAMPLES:\n"
	"  sslsniff                     # all processes, text to the terminal\n"
	"  sslsniff -p 181              # only PID 181\n"
	"  sslsniff -c curl -x -l       # only curl, with UID, TID, container and latency\n"
	"  sslsniff --container 3f2a9c1b  # only this container (a prefix of its id)\n"
	"  sslsniff --format json -o out.jsonl\n"
	"  sslsniff -w cap.pcapng           # also a pcapng file for Wireshark\n"
	"  sslsniff -w - | tshark -r -      # pcapng only, read live\n"
	"  sslsniff --lib openssl:/opt/app/libssl.so.3";

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "sslsniff supports x86-64 and arm64 only (syscall numbers, registers, probe placement)"
#endif

enum {
	OPT_LIB = 0x100,
	OPT_NO_OPENSSL,
	OPT_NO_GNUTLS,
	OPT_NO_NSS,
	OPT_NO_GO,
	OPT_HANDSHAKE,
	OPT_HEXDUMP,
	OPT_MAX_BYTES,
	OPT_STATS,
	OPT_RING_SIZE,
	OPT_READER_PRIORITY,
	OPT_KERNEL_BTF,
	OPT_NO_WATCH,
	OPT_DETECT,
	OPT_BTF,
	OPT_LIST_BTF,
	OPT_SUMMARY_JSON,
	OPT_KEYLOG,
	OPT_PROBE_ENTRY,
	OPT_KEYLOG_EMBED,
	OPT_CAPTURE_PACKETS,
	OPT_NO_HOLD,
	OPT_RETURN_PROBES,
	OPT_RAW,
	OPT_HTTP_SUMMARY,
	OPT_CONTAINER,
	OPT_CGROUP,
	OPT_HOST_ROOT,
	OPT_WIRE_SOURCE,
};

static const struct argp_option argp_opts[] = {
	{ "pid", 'p', "PID[,PID]", 0, "Trace only these processes (repeatable)", 0 },
	{ "uid", 'u', "UID", 0, "Trace only this user ID", 0 },
	{ "comm", 'c', "COMM", 0, "Trace only processes with this command name", 0 },
	{ "container", OPT_CONTAINER, "ID", 0,
	  "Trace only this container (a unique prefix of its id, or an nspawn machine's name; "
	  "repeatable)", 0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0,
	  "Trace only processes in this cgroup or below it (a cgroup directory, or a path as "
	  "/proc/PID/cgroup shows it; repeatable)", 0 },
	{ "host-root", OPT_HOST_ROOT, "DIR", 0,
	  "Where the node's root file system is, for the container runtimes' state that names "
	  "pods and containers (default /; /host in the DaemonSet)", 0 },
	{ "lib", OPT_LIB, "TYPE:PATH", 0,
	  "Also attach to this file; TYPE is openssl, gnutls, nss or go (repeatable)", 0 },
	{ "no-openssl", OPT_NO_OPENSSL, NULL, 0, "Do not trace OpenSSL", 0 },
	{ "no-gnutls", OPT_NO_GNUTLS, NULL, 0, "Do not trace GnuTLS", 0 },
	{ "no-nss", OPT_NO_NSS, NULL, 0, "Do not trace NSS", 0 },
	{ "no-go", OPT_NO_GO, NULL, 0, "Do not trace Go programs' crypto/tls", 0 },
	{ "no-watch", OPT_NO_WATCH, NULL, 0,
	  "Do not attach to TLS libraries of processes started later", 0 },
	{ "no-hold", OPT_NO_HOLD, NULL, 0,
	  "Never stop a process that is the first in a new root (a container) until that "
	  "root's TLS libraries are attached; its first calls may then be missed", 0 },
	{ "format", 'f', "FORMAT", 0, "Output format: text (default) or json", 1 },
	{ "output", 'o', "FILE", 0, "Write to FILE (created with mode 0600)", 1 },
	{ "write", 'w', "FILE", 0,
	  "Also write the plaintext as TCP streams to the pcapng FILE (mode 0600); with -w -, "
	  "to stdout, and text or JSON only to an -o FILE", 1 },
	{ "keylog", OPT_KEYLOG, "FILE", 0,
	  "Write the TLS secrets of OpenSSL, GnuTLS and Go connections to FILE (mode 0600) in the "
	  "SSLKEYLOGFILE format, for Wireshark to decrypt a capture", 1 },
	{ "keylog-embed", OPT_KEYLOG_EMBED, NULL, 0,
	  "With -w: also write those secrets into the pcapng (Decryption Secrets Blocks), "
	  "before the packets of their connection", 1 },
	{ "capture-packets", OPT_CAPTURE_PACKETS, "IFACE", 0,
	  "With -w: write the real (encrypted) packets of the traced connections seen on IFACE "
	  "into the pcapng instead of synthetic plaintext streams, with their secrets, so that "
	  "Wireshark decrypts them", 1 },
	{ "interface", 'i', "IFACE", 0,
	  "Decrypt from the wire: probe only the handshakes, read each connection's secrets "
	  "there, and take its plaintext from IFACE's packets (no trap per read or write)", 1 },
	{ "wire-source", OPT_WIRE_SOURCE, "SOURCE", 0,
	  "How -i reads the packets: tc (a BPF program on the interface's TC hooks), pcap "
	  "(libpcap), or auto (the default: tc, libpcap where the kernel refuses it)", 1 },
	{ "extra", 'x', NULL, 0, "Text: add UID, TID and container columns", 1 },
	{ "latency", 'l', NULL, 0, "Text: add the call latency in ms", 1 },
	{ "handshake", OPT_HANDSHAKE, NULL, 0, "Show SSL_do_handshake latency rows", 1 },
	{ "hexdump", OPT_HEXDUMP, NULL, 0, "Text: show data as hexdump -C", 1 },
	{ "raw", OPT_RAW, NULL, 0,
	  "Show the bytes as they are: no HTTP/1, HTTP/2 or gRPC decoding", 1 },
	{ "http-summary", OPT_HTTP_SUMMARY, NULL, 0,
	  "One line (or JSON object) per HTTP request and its response, nothing else", 1 },
	{ "max-bytes", OPT_MAX_BYTES, "N", 0,
	  "Capture at most N bytes per call; the rest is counted as truncated", 1 },
	{ "stats", OPT_STATS, NULL, 0,
	  "Print a stats line to stderr every second (when output is not a terminal)", 1 },
	{ "summary-json", OPT_SUMMARY_JSON, "FILE", 0,
	  "At exit, write the summary (records, bytes, losses) as JSON to FILE (mode 0600)", 1 },
	{ "relinquish-privileges", 'Z', "USER", 0,
	  "Once the probes are attached and the outputs open, run as USER (a name or a number) "
	  "with only the capabilities capture still needs", 1 },
	{ "ring-size", OPT_RING_SIZE, "BYTES", 0,
	  "Ring buffer size, a power of two (default 8 MiB)", 2 },
	{ "reader-priority", OPT_READER_PRIORITY, "MODE", 0,
	  "How the thread that reads the ring runs: realtime (SCHED_FIFO 1, the default), "
	  "high (nice -20) or normal (the default with -i)", 2 },
	{ "kernel-btf", OPT_KERNEL_BTF, "FILE", 0,
	  "Kernel BTF to use instead of " KERNEL_BTF_PATH, 2 },
	{ "btf", OPT_BTF, "FILE", 0,
	  "Read the structs of every shared libssl with this BTF layout, not btf-db's choice", 2 },
	{ "probe-entry", OPT_PROBE_ENTRY, NULL, 0,
	  "Probe OpenSSL's exported entry points only, not the internal functions they "
	  "share (slower; the same records)", 2 },
	{ "return-probes", OPT_RETURN_PROBES, "MODE", 0,
	  "How returns are probed: uretprobe, insn (uprobes on the return instructions, "
	  "safe under seccomp on any kernel) or auto (default: insn where this kernel's "
	  "uretprobes would kill programs under seccomp)", 2 },
	{ "verbose", 'v', NULL, 0, "Show debug output, libbpf's included", 2 },
	{ "detect", OPT_DETECT, "FILE", 0,
	  "Print which TLS library FILE is (kind, version, build-id) and its BTF, then exit "
	  "(with -o, also write that BTF there)", 3 },
	{ "list-btf", OPT_LIST_BTF, NULL, 0, "List the BTF database, then exit", 3 },
	{},
};

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	*out = strtoull(s, &end, 0);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_pids(struct options *o, char *arg, struct argp_state *state)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		unsigned long long v;

		if (parse_uint(tok, INT_MAX, &v) || !v)
			argp_error(state, "invalid PID '%s'", tok);
		if (o->nr_pids == MAX_PIDS)
			argp_error(state, "at most %d PIDs", MAX_PIDS);
		o->pids[o->nr_pids++] = v;
	}
	return 0;
}

static void parse_lib(struct options *o, char *arg, struct argp_state *state)
{
	char *colon = strchr(arg, ':');

	if (!colon || colon[1] == '\0')
		argp_error(state, "--lib wants TYPE:PATH, e.g. openssl:/usr/lib/libssl.so.3");
	*colon = '\0';
	if (o->nr_libs == MAX_LIBS)
		argp_error(state, "at most %d --lib options", MAX_LIBS);
	o->libs[o->nr_libs].lib = tls_library_parse(arg);
	if (!o->libs[o->nr_libs].lib)
		argp_error(state, "--lib: unknown library type '%s' (openssl, gnutls or nss)", arg);
	o->libs[o->nr_libs++].path = colon + 1;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct options *o = state->input;
	unsigned long long v;

	switch (key) {
	case 'p':
		return parse_pids(o, arg, state);
	case 'u':
		if (parse_uint(arg, UINT32_MAX - 1, &v))
			argp_error(state, "invalid UID '%s'", arg);
		o->uid = v;
		break;
	case 'c':
		if (strlen(arg) >= SSLSNIFF_COMM_LEN)
			argp_error(state, "COMM '%s' is longer than the kernel's %d characters", arg,
				   SSLSNIFF_COMM_LEN - 1);
		o->comm = arg;
		break;
	case OPT_CONTAINER:
		if (o->nr_containers == SSLSNIFF_MAX_CGROUPS)
			argp_error(state, "at most %d --container options", SSLSNIFF_MAX_CGROUPS);
		o->containers[o->nr_containers++] = arg;
		break;
	case OPT_CGROUP:
		if (o->nr_cgroup_paths == SSLSNIFF_MAX_CGROUPS)
			argp_error(state, "at most %d --cgroup options", SSLSNIFF_MAX_CGROUPS);
		o->cgroup_paths[o->nr_cgroup_paths++] = arg;
		break;
	case OPT_HOST_ROOT:
		o->host_root = arg;
		break;
	case OPT_LIB:
		parse_lib(o, arg, state);
		break;
	case OPT_NO_OPENSSL:
		o->lib_mask &= ~(1U << LIB_OPENSSL);
		break;
	case OPT_NO_GNUTLS:
		o->lib_mask &= ~(1U << LIB_GNUTLS);
		break;
	case OPT_NO_NSS:
		o->lib_mask &= ~(1U << LIB_NSS);
		break;
	case OPT_NO_GO:
		o->lib_mask &= ~(1U << LIB_GO);
		break;
	case OPT_NO_WATCH:
		o->watch = false;
		break;
	case OPT_NO_HOLD:
		o->no_hold = true;
		break;
	case 'f':
		o->format = arg;
		break;
	case 'o':
		o->output_path = arg;
		break;
	case OPT_KEYLOG:
		o->keylog_path = arg;
		break;
	case OPT_PROBE_ENTRY:
		o->probe_entry = true;
		break;
	case OPT_RETURN_PROBES:
		o->return_probes_arg = arg;
		break;
	case OPT_KEYLOG_EMBED:
		o->keylog_embed = true;
		break;
	case OPT_CAPTURE_PACKETS:
		o->capture_iface = arg;
		o->keylog_embed = true;	/* the packets are useless without their secrets */
		break;
	case 'i':
		o->wire_iface = arg;
		break;
	case OPT_WIRE_SOURCE:
		if (!strcmp(arg, "auto"))
			o->wire_source = WIRE_SOURCE_AUTO;
		else if (!strcmp(arg, "tc"))
			o->wire_source = WIRE_SOURCE_TC;
		else if (!strcmp(arg, "pcap"))
			o->wire_source = WIRE_SOURCE_PCAP;
		else
			argp_error(state, "--wire-source wants auto, tc or pcap, not '%s'", arg);
		break;
	case 'w':
		o->write_path = arg;
		break;
	case 'x':
		o->extra = true;
		break;
	case 'l':
		o->latency = true;
		break;
	case OPT_HANDSHAKE:
		o->handshake = true;
		break;
	case OPT_HEXDUMP:
		o->hexdump = true;
		break;
	case OPT_RAW:
		o->raw = true;
		break;
	case OPT_HTTP_SUMMARY:
		o->http_summary = true;
		break;
	case OPT_MAX_BYTES:
		if (parse_uint(arg, UINT32_MAX, &v) || !v)
			argp_error(state, "--max-bytes wants a number from 1 to %u", UINT32_MAX);
		o->max_bytes = v;
		break;
	case OPT_STATS:
		o->stats = true;
		break;
	case OPT_SUMMARY_JSON:
		o->summary_json = arg;
		break;
	case 'Z':
		o->drop_user = arg;
		break;
	case OPT_RING_SIZE:
		if (parse_uint(arg, 1U << 30, &v) || v < 4096 * 16 || (v & (v - 1)))
			argp_error(state, "--ring-size wants a power of two from 64 KiB to 1 GiB");
		o->ring_size = v;
		break;
	case OPT_READER_PRIORITY:
		o->reader_priority_set = true;
		if (!strcmp(arg, "realtime"))
			o->reader_priority = READER_REALTIME;
		else if (!strcmp(arg, "high"))
			o->reader_priority = READER_HIGH;
		else if (!strcmp(arg, "normal"))
			o->reader_priority = READER_NORMAL;
		else
			argp_error(state, "--reader-priority wants realtime, high or normal, not '%s'",
				   arg);
		break;
	case OPT_KERNEL_BTF:
		o->kernel_btf = arg;
		break;
	case OPT_DETECT:
		o->detect = arg;
		break;
	case OPT_BTF:
		o->btf = arg;
		break;
	case OPT_LIST_BTF:
		o->list_btf = true;
		break;
	case 'v':
		log_verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * Uprobes need CAP_SYS_ADMIN: perf_event_open of the uprobe PMU refuses
 * CAP_PERFMON alone (seen on 6.18), and CAP_SYS_ADMIN stands for CAP_BPF
 * and CAP_PERFMON too.
 */
static bool have_capabilities(void)
{
	uint64_t caps = priv_caps_effective();

	return caps ? caps & PRIV_CAP(CAP_SYS_ADMIN) : geteuid() == 0;
}

static int check_environment(const struct options *o)
{
	const char *btf = o->kernel_btf ? o->kernel_btf : KERNEL_BTF_PATH;

	if (!have_capabilities()) {
		p_err("need root, or CAP_SYS_ADMIN (uprobes): run it with sudo");
		return -EPERM;
	}
	if (o->btf && access(o->btf, R_OK)) {
		p_err("--btf '%s': %s", o->btf, strerror(errno));
		return -ENOENT;
	}
	if (access(btf, R_OK)) {
		p_err("kernel BTF '%s' is not readable (%s): this kernel needs "
		      "CONFIG_DEBUG_INFO_BTF=y, or give a BTF file with --kernel-btf",
		      btf, strerror(errno));
		return -ENOENT;
	}
	for (int i = 0; i < o->nr_pids; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/proc/%d", o->pids[i]);
		if (access(p, F_OK)) {
			p_err("no process with PID %d", o->pids[i]);
			return -ESRCH;
		}
	}
	return 0;
}

/* Captured plaintext holds secrets: out_file.h has the rules. */
static FILE *open_output(struct out_file *f, const char *what, const char *path)
{
	FILE *fp;

	if (out_file__open(f, what, path ? path : "-"))
		return NULL;
	fp = fdopen(f->fd, "w");
	if (!fp) {
		p_err("%s: '%s': %s", what, f->path, strerror(errno));
		out_file__discard(f);
		close(f->fd);
	}
	return fp;
}

/*
 * --detect -o OUT: that layout written to OUT as plain BTF (a generated
 * one out of its cache entry): how btf-db's Go entries are made.
 */
static int write_detect_btf(const char *path, const char *out)
{
	struct btf *btf = btf_cache_parse(path);
	int err = btf ? core_btf_write(btf, out) : -errno;

	if (err)
		p_err("--detect: cannot write '%s' to '%s': %s", path, out, strerror(-err));
	btf__free(btf);
	return err;
}

/* The layout capture would read the file detected as D with, and why. */
static int print_detect_btf(const struct options *o, const struct tls_detect *d)
{
	struct btf_db *db = btf_db__open(NULL);
	struct layout_choice c;
	int err = 0;

	if (layout_choose(db, o->btf, d, &c)) {
		printf("btf:      %s (%s)\n", c.btf, c.why);
		if (o->output_path)
			err = write_detect_btf(c.btf, o->output_path);
	} else {
		printf("btf:      none (%s); connections from syscalls only\n", c.why);
		err = o->output_path ? -ENOENT : 0;
	}
	btf_db__free(db);
	return err;
}

/* --list-btf: the database, one entry a line. */
static int print_btf_db(void)
{
	struct btf_db *db = btf_db__open(NULL);

	if (!db) {
		p_err("--list-btf: no btf-db found (set SSLSNIFF_BTF_DB)");
		return 1;
	}
	printf("# %s\n%-8s %-7s %-10s %s\n", btf_db__dir(db), "LIBRARY", "FAMILY", "VERSION",
	       "FILE");
	for (size_t i = 0; i < btf_db__nr_entries(db); i++) {
		const struct btf_db_entry *e = btf_db__entry(db, i);

		printf("%-8s %-7s %-10s %s\n", btf_db_lib_name(e->lib), e->family, e->version,
		       e->path);
	}
	btf_db__free(db);
	return 0;
}

/* --detect --return-probes=insn: each function's return instructions. */
static void print_detect_returns(const struct target_file *tf)
{
	for (int f = 1; f < FUNC__MAX; f++) {
		const struct probe_returns *r = &tf->rets[f];

		if (!tf->offs[f])
			continue;
		printf("returns:  %s", tls_func_info(f)->symbol);
		if (tls_func_entry_only(f)) {
			printf(" not probed (entry only)\n");
			continue;
		}
		for (size_t i = 0; i < r->n; i++)
			printf(" 0x%llx", (unsigned long long)r->off[i]);
		if (!r->n)
			printf(" uncertain (%s at 0x%llx): uretprobe", r->why,
			       (unsigned long long)r->why_at);
		printf("\n");
	}
}

/* --detect: what capture makes of one file, by the same functions. */
static int print_detect(const struct options *o)
{
	struct target_opts to = { .libs = o->lib_mask, .handshake = true, .keylog = true,
				  .probe_entry = true, .ret_probes = o->return_probes };
	struct target_files *t = target_files__new(&to);
	struct target_file *tf = t ? target_files__get_path(t, o->detect, 0) : NULL;
	int err = errno;

	if (!tf) {
		if (!t || err)
			p_err("--detect: '%s': %s", o->detect,
			      err == ENOEXEC ? "not an ELF executable or library" : strerror(err));
		else
			p_err("--detect: '%s': no OpenSSL, GnuTLS, NSPR or Go crypto/tls functions in it",
			      o->detect);
		target_files__free(t);
		return 1;
	}
	printf("file:     %s\n", o->detect);
	printf("library:  %s\n", tls_library_name(tf->det.lib));
	if (tf->det.version[0])
		printf("version:  %s (from %s)\n", tf->det.version, tf->det.version_file);
	else
		printf("version:  unknown (no version string found)\n");
	if (tf->det.lib == LIB_GO)
		printf("module:   %s\n", tf->det.go_module[0] ? tf->det.go_module : "unknown");
	if (tf->det.lib == LIB_GO)
		printf("functions: %s\n", tf->go_pclntab ? ".gopclntab (no symbol table)" : ".symtab");
	if (tf->det.lib == LIB_GO)
		printf("transport: %s\n", tf->go_conn_from ? tf->go_conn_from
			: "unknown (*net.TCPConn not found): the fd from the syscalls");
	printf("build-id: %s\n", tf->det.build_id[0] ? tf->det.build_id : "none");
	err = print_detect_btf(o, &tf->det);
	if (o->return_probes == RET_PROBES_INSN)
		print_detect_returns(tf);
	target_files__free(t);
	return err ? 1 : 0;
}

/*
 * The host's cgroups as the records name them, and --container and
 * --cgroup as the kernel side checks them. 0, or -errno (reported).
 */
static int setup_cgroups(struct options *o, struct cgroup_layout *l)
{
	int err = cgroup_layout__join_host_ns();

	if (err < 0)
		p_warn("cannot join PID 1's cgroup namespace (%s): cgroup paths are "
		       "sslsniff's own namespace's", strerror(-err));
	err = cgroup_layout__read(l);
	if (err) {
		p_err("cannot read this host's cgroup mounts (/proc/self/mountinfo): %s",
		      strerror(-err));
		return err;
	}
	o->cgroup_layout = l;
	for (int i = 0; i < o->nr_containers && !err; i++)
		err = cgroup_filter__add_container(&o->cgroup_filter, l, o->containers[i]);
	for (int i = 0; i < o->nr_cgroup_paths && !err; i++)
		err = cgroup_filter__add_path(&o->cgroup_filter, l, o->cgroup_paths[i]);
	if (!err && o->host_root && access(o->host_root, X_OK)) {
		err = -errno;
		p_err("--host-root '%s': %s", o->host_root, strerror(errno));
	}
	return err;
}

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static int64_t realtime_offset_ns(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

static const char *output_name(const char *path)
{
	return !path || !strcmp(path, "-") ? "stdout" : path;
}

/* -o, -w and --summary-json must not share a file, and pcapng is no text for a terminal. */
static int check_outputs(const struct options *o)
{
	const char *s = o->summary_json;

	if (s && ((o->output_path && !strcmp(s, o->output_path)) ||
		  (o->write_path && !strcmp(s, o->write_path)))) {
		p_err("--summary-json and %s both write to '%s': give them different files",
		      o->output_path && !strcmp(s, o->output_path) ? "-o" : "-w", s);
		return -EINVAL;
	}
	if (!o->write_path)
		return 0;
	if (o->output_path && !strcmp(o->write_path, o->output_path)) {
		p_err("-o and -w both write to %s%s%s: give them different files",
		      strcmp(o->write_path, "-") ? "'" : "", output_name(o->write_path),
		      strcmp(o->write_path, "-") ? "'" : "");
		return -EINVAL;
	}
	if (!strcmp(o->write_path, "-") && isatty(STDOUT_FILENO)) {
		p_err("-w -: stdout is a terminal; pipe it (sslsniff -w - | tshark -r -) or "
		      "name a file");
		return -EINVAL;
	}
	return 0;
}

/* -w - takes stdout: then text or JSON go on only to an -o FILE. */
static bool records_output_wanted(const struct options *o)
{
	return !o->write_path || strcmp(o->write_path, "-") || o->output_path;
}

/* 0, or -EIO when a file's last bytes could not be written (reported unless QUIET). */
static int close_outputs(struct session_output *outs, int n, bool quiet)
{
	int err = 0;

	for (int i = 0; i < n; i++) {
		if (!fclose(outs[i].opts.out))
			continue;
		if (!quiet && !err)
			p_err("output: '%s': %s", outs[i].name, strerror(errno));
		err = -EIO;
	}
	return err;
}

/* The files main() opens for the session (one per writer, then
 * --summary-json's), and whom -Z makes it. */
struct main_start {
	const struct options *o;
	struct out_file files[SESSION_MAX_OUTPUTS + 1];
	int nr_files;
	struct out_file *summary;
	struct priv_user user;
};

/* The writers: text or JSON, pcapng with -w, the key log. How many, or -1 (reported). */
static int open_outputs(const struct options *o, const struct output_ops *ops,
			struct session_output *outs, struct out_file *files)
{
	int64_t offset = realtime_offset_ns();
	int n = 0;

	if (records_output_wanted(o)) {
		struct output_opts *oo = &outs[n].opts;

		/* Records collect in a large buffer, written out every poll round:
		 * one write(2) per record would cost more than the record. A
		 * writer that batches them itself needs no second one. */
		static char records_buf[256 << 10];

		oo->out = open_output(&files[n], o->output_path ? "-o" : "output", o->output_path);
		if (!oo->out)
			return -1;
		if (ops->batches)
			setvbuf(oo->out, NULL, _IONBF, 0);
		else
			setvbuf(oo->out, records_buf, _IOFBF, sizeof(records_buf));
		oo->hexdump = o->hexdump;
		oo->extra = o->extra;
		oo->latency = o->latency;
		oo->http_summary = o->http_summary;
		oo->escape = isatty(fileno(oo->out));
		oo->realtime_offset_ns = offset;
		outs[n].ops = ops;
		outs[n++].name = output_name(o->output_path);
	}
	if (o->write_path) {
		outs[n].opts.out = open_output(&files[n], "-w", o->write_path);
		if (!outs[n].opts.out) {
			close_outputs(outs, n, true);
			return -1;
		}
		outs[n].opts.realtime_offset_ns = offset;
		outs[n].opts.keylog_embed = o->keylog_embed;
		outs[n].opts.capture_iface = o->capture_iface;
		outs[n].ops = &out_pcapng_ops;
		outs[n++].name = output_name(o->write_path);
	}
	if (o->keylog_path) {
		outs[n].opts.out = open_output(&files[n], "--keylog", o->keylog_path);
		if (!outs[n].opts.out) {
			close_outputs(outs, n, true);
			return -1;
		}
		outs[n].ops = &out_keylog_ops;
		outs[n++].name = o->keylog_path;
	}
	return n;
}

/* Two outputs on one file would mix their bytes: refused, by inode. */
static int check_same_files(const struct main_start *m)
{
	for (int i = 0; i < m->nr_files; i++) {
		for (int j = i + 1; j < m->nr_files; j++) {
			const struct out_file *a = &m->files[i], *b = &m->files[j];

			if (!out_file__same(a, b))
				continue;
			p_err("%s '%s' and %s '%s' are the same file: give them different files",
			      a->what, output_name(a->path), b->what, output_name(b->path));
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * What the running tool still needs once start-up is over (docs/security.md):
 * CAP_BPF for bpf() on the program's maps (before Linux 6.5 every bpf()
 * command wants it where unprivileged BPF is off). The exec watch attaches
 * to libraries found later: uprobes (perf_event_open of the uprobe PMU
 * wants CAP_SYS_ADMIN, CAP_PERFMON is not enough: seen on 6.18), a new
 * layout's program instance (CAP_PERFMON), other users' and containers'
 * /proc files and libraries (CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH,
 * CAP_CHECKPOINT_RESTORE for map_files) and SIGCONT for a held process
 * (CAP_KILL). -Z turns the watch off rather than keep those.
 */
static uint64_t running_caps(const struct options *o)
{
	uint64_t keep = PRIV_CAP(CAP_BPF);

	if (o->watch)
		keep |= PRIV_CAP(CAP_SYS_ADMIN) | PRIV_CAP(CAP_PERFMON) |
			PRIV_CAP(CAP_SYS_PTRACE) | PRIV_CAP(CAP_DAC_READ_SEARCH) |
			PRIV_CAP(CAP_KILL) | PRIV_CAP(CAP_CHECKPOINT_RESTORE);
	return keep;
}

/* The session's start-up is over but for the writers: files, then privileges. */
static int main_attached(void *arg)
{
	struct main_start *m = arg;
	char caps[256];
	int err;

	for (int i = 0; i < m->nr_files; i++) {
		err = out_file__commit(&m->files[i]);
		if (err)
			return err;
	}
	err = priv_drop(m->o->drop_user ? &m->user : NULL, running_caps(m->o));
	if (err)
		return err;
	if (m->o->drop_user)
		p_info("-Z: running as '%s' (uid %u, gid %u) with %s", m->user.name,
		       (unsigned int)m->user.uid, (unsigned int)m->user.gid,
		       priv_cap_names(priv_caps_effective(), caps, sizeof(caps)));
	return 0;
}

/* Start-up failed: the files it created go, those that existed stay. */
static void discard_files(struct main_start *m)
{
	for (int i = 0; i < m->nr_files; i++)
		out_file__discard(&m->files[i]);
}

/* Every output file, checked and opened but none emptied yet. How many writers, or -1. */
static int open_files(struct main_start *m, const struct output_ops *ops,
		      struct session_output *outs)
{
	const struct options *o = m->o;
	int n = open_outputs(o, ops, outs, m->files);

	if (n < 0) {
		/* Those opened before the one that failed (the rest are zeroed). */
		m->nr_files = SESSION_MAX_OUTPUTS;
		discard_files(m);
		return -1;
	}
	m->nr_files = n;
	if (o->summary_json) {
		m->summary = &m->files[m->nr_files];
		if (out_file__open(m->summary, "--summary-json", o->summary_json))
			goto err;
		m->nr_files++;
	}
	if (!check_same_files(m))
		return n;
err:
	discard_files(m);
	close_outputs(outs, n, true);
	if (m->summary && m->summary->fd >= 0)
		close(m->summary->fd);
	return -1;
}

/* An interface that is not there, said before anything is loaded. libpcap's
 * "any" is no interface of the kernel's, and -i reads it through libpcap. */
static bool bad_iface(const char *opt, const char *iface)
{
	if (!iface || !strcmp(iface, "any") || if_nametoindex(iface))
		return false;
	p_err("%s: no interface '%s' here", opt, iface);
	return true;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { argp_opts, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct options o = {
		.uid = (uint32_t)-1,
		.lib_mask = 1U << LIB_OPENSSL | 1U << LIB_GNUTLS | 1U << LIB_NSS | 1U << LIB_GO,
		.ring_size = DEFAULT_RING_SIZE,
		.format = "text",
		.watch = true,
	};
	struct session_output outs[SESSION_MAX_OUTPUTS] = {};
	static struct cgroup_layout cgroups;
	struct main_start m = { .o = &o };
	struct session_start start = { .attached = main_attached, .arg = &m };
	const struct output_ops *ops;
	int nr_outs;
	struct sigaction sa = { .sa_handler = sig_handler };
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, &o);
	if (err)
		return 1;
	if (o.return_probes_arg) {
		err = ret_probes_parse(o.return_probes_arg);
		if (err < 0) {
			p_err("unknown --return-probes '%s': use auto, uretprobe or insn",
			      o.return_probes_arg);
			return 1;
		}
		o.return_probes = err;
	}
	if (o.detect)
		return print_detect(&o);
	if (o.list_btf)
		return print_btf_db();
	ops = output_find(o.format);
	if (!ops) {
		p_err("unknown --format '%s': use text or json", o.format);
		return 1;
	}
	if (o.raw && o.http_summary) {
		p_err("--http-summary needs the HTTP decoding that --raw turns off");
		return 1;
	}
	if (check_outputs(&o))
		return 1;
	libbpf_set_print(log_libbpf);
	if (check_environment(&o))
		return 1;
	if (setup_cgroups(&o, &cgroups))
		return 1;
	if (o.keylog_embed && !o.write_path) {
		p_err("--keylog-embed and --capture-packets write into the pcapng of -w: "
		      "give -w FILE too");
		return 1;
	}
	/* -i: the packet buffer absorbs a slow round, and a real-time reader
	 * waking for each block would preempt the traced programs on their CPUs. */
	if (o.wire_iface && !o.reader_priority_set)
		o.reader_priority = READER_NORMAL;
	if (bad_iface("-i", o.wire_iface) || bad_iface("--capture-packets", o.capture_iface))
		return 1;
	if (o.wire_source != WIRE_SOURCE_AUTO && !o.wire_iface) {
		p_err("--wire-source says how -i reads its packets: give -i IFACE too");
		return 1;
	}
	if (o.wire_iface && o.capture_iface) {
		p_err("-i decrypts the packets it captures: --capture-packets is for per-call "
		      "capture");
		return 1;
	}
	if (o.keylog_path && !strcmp(o.keylog_path, "-")) {
		p_err("--keylog needs a file: secrets are not for a terminal or a pipe");
		return 1;
	}
	if (o.drop_user && priv_user_lookup(o.drop_user, &m.user))
		return 1;
	if (o.drop_user && o.watch) {
		/* Following new libraries would need CAP_SYS_ADMIN: -Z would drop nothing. */
		o.watch = false;
		p_info("-Z: libraries first mapped after start-up (new containers, new library "
		       "files) are not attached; processes started later are captured through "
		       "the libraries attached now");
	}
	/* From here a signal stops the capture, not the process: files this
	 * run creates are removed when it comes before capture starts. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	nr_outs = open_files(&m, ops, outs);
	if (nr_outs < 0)
		return 1;
	start.summary = m.summary;

	err = session_run(&o, outs, nr_outs, &start);
	if (err && !start.running)
		discard_files(&m);
	if (close_outputs(outs, nr_outs, err))
		err = -EIO;
	return err ? 1 : 0;
}
