# SPDX-License-Identifier: GPL-2.0
# sslsniff's image: one sslsniff per node, JSON lines on stdout for the
# node's log pipeline (docs/deploy.md, docs/daemonset.yaml).
#
#   docker build -t sslsniff .
#   docker build --build-arg BASE=my-mirror/debian:bookworm-slim -t sslsniff .
#
# The build reads the build host's kernel BTF (/sys/kernel/btf/vmlinux) for
# the BPF program's types only; CO-RE relocates them on each node's kernel.
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
# The build dependencies alone (not the tests'), from the one list in
# install-deps.sh; a layer of its own, reused while that list is the same.
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --build && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
WORKDIR /src
# What `make all install` reads, and nothing else: a change to the tests or
# the docs reuses the build.
COPY Makefile ./
COPY bpf bpf
COPY sslsniff sslsniff
COPY btf-db btf-db
COPY docs/sslsniff.8 docs/
RUN make -j"$(nproc)" all && make install PREFIX=/usr/local DESTDIR=/out

FROM ${BASE}
# What `ldd sslsniff` names (their own dependencies come with them), and
# what it dlopen()s: libcapstone4 (probe placement), libpcap0.8 (its packet
# source).
RUN apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		libbpf1 libdw1 libelf1 zlib1g libssl3 libcapstone4 libpcap0.8 >/dev/null && \
	rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local/ /usr/local/
# A library the list above misses fails the build, not the first node.
RUN ! ldd /usr/local/sbin/sslsniff | grep -F 'not found' && /usr/local/sbin/sslsniff --version
# The BTF cache is /var/cache/sslsniff: mount the node's there
# (docs/daemonset.yaml) or each start generates the layouts again.
ENTRYPOINT ["/usr/local/sbin/sslsniff"]
CMD ["--format", "json"]
