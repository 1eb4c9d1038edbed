# SPDX-License-Identifier: GPL-2.0
#
# make            build bin/sslsniff (sslsniff/ holds the sources)
# make test       build, then run the whole test suite (root)
# make deps       install build and test dependencies (Debian 12, root)
# make matrix     compatibility matrix of library versions -> docs/compatibility.md
# make SANITIZE=1 build with AddressSanitizer and UBSan into .output-san/
# make fuzz       build the libFuzzer targets (tests/fuzz/, clang) into
#                 .output-fuzz/ and fuzz each for FUZZ_SECONDS (default 60);
#                 make test runs them once over their corpus (docs/fuzzing.md)
# V=1             show full commands

VERSION		:= 0.1.0
ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/')
# The syscall numbers, the return-address read and the probe placement are
# x86-64's (arm64: syscall numbers and PT_REGS only, untested).
ifeq ($(filter x86 arm64,$(ARCH)),)
$(error sslsniff builds for x86-64 and arm64 only, not '$(ARCH)' (uname -m: $(shell uname -m)))
endif
CLANG		?= clang
BPFTOOL		?= bpftool
CC		?= cc
PKG_CONFIG	?= pkg-config
KERNEL_BTF	?= /sys/kernel/btf/vmlinux

ifeq ($(SANITIZE),1)
OUTPUT		?= .output-san
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BIN_DIR		:= $(OUTPUT)
BIN		:= $(OUTPUT)/sslsniff
else
OUTPUT		?= .output
BIN_DIR		:= bin
BIN		:= bin/sslsniff
endif

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
DATADIR		?= $(PREFIX)/share/sslsniff
MANDIR		?= $(PREFIX)/share/man

PKGS		:= libbpf libelf libdw zlib libcrypto capstone libpcap
# The user's CFLAGS and LDFLAGS (make CFLAGS=-O0) come after what the build
# itself needs, which they neither replace nor lose.
CFLAGS		?= -O2 -g
BUILD_CFLAGS	:= -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(SAN_FLAGS) \
		   -DSSLSNIFF_VERSION='"$(VERSION)"' -DSSLSNIFF_BTF_DB_DIR='"$(DATADIR)/btf-db"' \
		   -I$(OUTPUT) -Ibpf -iquote sslsniff \
		   $(shell $(PKG_CONFIG) --cflags $(PKGS))
ALL_CFLAGS	= $(BUILD_CFLAGS) $(CFLAGS)
ALL_LDFLAGS	= $(SAN_FLAGS) -pthread $(LDFLAGS)
# capstone's and libpcap's headers only: probe_place.c and packets.c
# dlopen() them (see there: RSS).
LDLIBS		+= $(shell $(PKG_CONFIG) --libs $(filter-out capstone libpcap,$(PKGS)))

# clang -target bpf does not see the system's multiarch include directory.
CLANG_BPF_SYS_INCLUDES = $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

# sslsniff/ and its folders, one per concern (docs/architecture.md).
SRCS		:= $(wildcard sslsniff/*.c sslsniff/*/*.c)
OBJS		:= $(patsubst sslsniff/%.c,$(OUTPUT)/obj/%.o,$(SRCS))
LIB_OBJS	:= $(filter-out $(OUTPUT)/obj/main.o,$(OBJS))
UNIT_SRCS	:= $(wildcard tests/unit/*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(OUTPUT)/unit/%,$(UNIT_SRCS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all test unit deps clean install uninstall bench bench-replay bench-copy-floor matrix fuzz fuzz-build
.DELETE_ON_ERROR:

all: $(BIN)

$(OUTPUT) $(OUTPUT)/unit bin:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(KERNEL_BTF) format c > $@

# One object and one skeleton per program in bpf/: sslsniff (the probes)
# and wire_tap (-i's packets, from TC).
BPF_PROGS	:= $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
SKELS		:= $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))
.PRECIOUS: $(OUTPUT)/%.bpf.o $(OUTPUT)/bench/%.bpf.o

define bpf_object
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
		-I$(OUTPUT) -Ibpf $(CLANG_BPF_SYS_INCLUDES) -MMD -MP -MT $@ -MF $(@:.o=.d) \
		-c $< -o $(@:.bpf.o=.tmp.bpf.o)
	$(Q)$(BPFTOOL) gen object $@ $(@:.bpf.o=.tmp.bpf.o)
endef

define bpf_skeleton
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@
endef

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(bpf_object)

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(bpf_skeleton)

# Sources that include a skeleton need it first (a parallel build would
# compile them before it exists); -MMD records the rest.
SKEL_USERS	:= $(patsubst sslsniff/%.c,$(OUTPUT)/obj/%.o,$(shell grep -l '\.skel\.h' $(SRCS)))
$(SKEL_USERS): $(SKELS)

$(OUTPUT)/obj/%.o: sslsniff/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BIN): $(OBJS) | $(BIN_DIR)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/unit/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/unit
	$(call msg,UNIT,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

# The HPACK test checks the decoder against libnghttp2's encoder and inflater.
$(OUTPUT)/unit/hpack: LDLIBS += -lnghttp2
# The reassembly test reads a saved capture with libpcap.
$(OUTPUT)/unit/tcp_reasm: LDLIBS += -lpcap
# The HTTP/2 test holds a conversation between libnghttp2's client and server.
$(OUTPUT)/unit/http2: LDLIBS += -lnghttp2

unit: $(UNIT_BINS)

# The suite runs the sanitized build: every test exercises the user-space
# code under ASan and UBSan.
test:
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 all unit
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)SSLSNIFF=$(CURDIR)/.output-san/sslsniff UNIT_DIR=$(CURDIR)/.output-san/unit \
		FUZZ_DIR=$(CURDIR)/$(FUZZ_OUT) tests/run

deps:
	scripts/install-deps.sh

# libFuzzer targets (docs/fuzzing.md): the sources again, built by clang
# with coverage, ASan and UBSan, into an archive each target takes what it
# needs from; tests/fuzz/seeds.sh makes the generated seeds.
FUZZ_OUT	:= .output-fuzz
FUZZ_SECONDS	?= 60
FUZZ_TARGETS	:= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	:= $(filter-out $(SAN_FLAGS),$(BUILD_CFLAGS)) -O1 -g $(FUZZ_SAN)
FUZZ_OBJS	:= $(patsubst sslsniff/%.c,$(FUZZ_OUT)/obj/%.o,$(filter-out sslsniff/main.c,$(SRCS)))

$(FUZZ_OUT)/obj/%.o: sslsniff/%.c | $(SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_OUT)/libsslsniff.a: $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_OUT)/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OUT)/libsslsniff.a
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< $(FUZZ_OUT)/libsslsniff.a \
		$(LDLIBS) -o $@

$(FUZZ_OUT)/seeds/.done: tests/fuzz/seeds.sh tests/fuzz/seeds/tls_stub.c tests/fuzz/seeds/go_stub.c \
			 tests/fuzz/seeds/records.py tests/fuzz/seeds/pclntab.py \
			 tests/fuzz/seeds/go_pclntab_stub.c btf-db/index
	$(call msg,SEEDS,$(@D))
	$(Q)rm -rf $(@D) && tests/fuzz/seeds.sh $(@D) && touch $@

fuzz-build: $(addprefix $(FUZZ_OUT)/,$(FUZZ_TARGETS)) $(FUZZ_OUT)/seeds/.done

fuzz: fuzz-build
	$(Q)FUZZ_DIR=$(CURDIR)/$(FUZZ_OUT) tests/fuzz/run.sh fuzz $(FUZZ_SECONDS)

# The compatibility matrix (root): each library version's real binaries in a
# Debian root (cached in /var/cache/sslsniff/roots), written to
# docs/compatibility.md. The suite runs it too (t-matrix), without the file.
matrix: all
	$(Q)SSLSNIFF=$(CURDIR)/$(BIN) tests/matrix/run --doc docs/compatibility.md

# nginx under wrk, untraced against traced (root, minutes; installs nginx and
# wrk when missing). Not part of test: CI times nothing.
bench: all bench-replay bench-copy-floor
	bench/run.sh

# sslsniff's user space per record, without the kernel (bench/replay.c):
# the decoder, the HTTP stage and each writer, CPU per record and per MiB.
$(OUTPUT)/bench/replay: bench/replay.c $(LIB_OBJS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

bench-replay: $(OUTPUT)/bench/replay

# The copy floor: every byte into the ring at sslsniff's places, nothing else
# (bench/copy_floor.bpf.c), for the row of that name.
$(OUTPUT)/bench/%.bpf.o: bench/%.bpf.c $(OUTPUT)/vmlinux.h
	$(Q)mkdir -p $(@D)
	$(bpf_object)

$(OUTPUT)/bench/copy_floor: bench/copy_floor.c $(OUTPUT)/bench/copy_floor.skel.h
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(OUTPUT)/bench $(ALL_LDFLAGS) $< $(LDLIBS) -o $@

bench-copy-floor: $(OUTPUT)/bench/copy_floor

# The binary finds btf-db at ../share/sslsniff/btf-db from its own
# directory (btf/btf_db.c), wherever PREFIX puts both.
BTF_DB_FILES	:= index $(patsubst btf-db/%,%,$(wildcard btf-db/*/*.btf))

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/sslsniff
	install -D -m 0644 docs/sslsniff.8 $(DESTDIR)$(MANDIR)/man8/sslsniff.8
	$(foreach f,$(BTF_DB_FILES),install -D -m 0644 btf-db/$(f) $(DESTDIR)$(DATADIR)/btf-db/$(f) &&) true

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sslsniff $(DESTDIR)$(MANDIR)/man8/sslsniff.8
	rm -rf $(DESTDIR)$(DATADIR)/btf-db
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf .output .output-san .output-fuzz bin

# The BPF object's too: bpf/*.bpf.h and the contract, bpf/sslsniff.h.
-include $(OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(patsubst %,$(OUTPUT)/%.bpf.d,$(BPF_PROGS))
