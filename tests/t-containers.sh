#!/usr/bin/env bash
# Which container and pod made each call. curl clients run in cgroups named
# the way docker (systemd driver), containerd under kubepods and cri-o name
# them in cgroup v2, and docker's cgroupfs driver in a v1 hierarchy (this
# host is hybrid: v1 controllers beside cgroup2); the runtimes' state (an
# OCI config.json each) sits under --host-root. Every record carries its
# client's cgroup path, container id, runtime, pod uid and names; the host's
# server (whose v1 path ends in a 32-hex name that is no container) carries
# its cgroup and none of them; -x and -w show them too. --container and
# --cgroup capture only what they name, byte for byte, and nothing of the
# host; bad ones get one line and exit 1. Then the same with sslsniff seeing
# a pure cgroup v2 layout (a mount namespace where /sys/fs/cgroup is cgroup2).
. "$(dirname "$0")/lib.sh"
need curl python3 unshare tshark

V2=$(cgroup_mount cgroup2)
V1=$(cgroup_mount cgroup memory)
[[ -n $V2 ]] || skip "needs a cgroup2 mount"

hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
D=$(hex64) K=$(hex64) C=$(hex64) V=$(hex64)
KPOD=$(uuid) CPOD=$(uuid)
KPOD_=${KPOD//-/_} CPOD_=${CPOD//-/_}

# cgroup path (as /proc/PID/cgroup names it) of each client, by name.
declare -A CG=(
	[docker]=/system.slice/docker-$D.scope
	[containerd]=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$KPOD_.slice/cri-containerd-$K.scope
	[crio]=/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$CPOD_.slice/crio-$C.scope
)
declare -A ID=([docker]=$D [containerd]=$K [crio]=$C [v1docker]=$V)
declare -A RUNTIME=([docker]=docker [containerd]=containerd [crio]=cri-o [v1docker]=docker)
declare -A POD=([containerd]=$KPOD [crio]=$CPOD)
NAMES=(docker containerd crio)
for n in "${NAMES[@]}"; do cgroup_make "$V2${CG[$n]}"; done
# conmon beside cri-o's container: a pod's, not a container.
cgroup_make "$V2${CG[crio]%/*}/crio-conmon-$C.scope"
# docker's cgroupfs driver on a hybrid host: the container in v1 alone, in
# containerd's v2 cgroup (its shim's).
if [[ -n $V1 ]]; then
	CG[v1docker]=/docker/$V
	cgroup_make "$V1${CG[v1docker]}"
	cgroup_make "$V2/system.slice/containerd.service"
	NAMES+=(v1docker)
fi
cg_dir() {
	if [[ $1 == v1docker ]]; then
		echo "$V2/system.slice/containerd.service:$V1${CG[$1]}"
	else
		echo "$V2${CG[$1]}"
	fi
}

# The runtimes' state, as containerd, cri-o and docker keep it.
H=$T/host
mkdir -p "$H/run/containerd/io.containerd.runtime.v2.task/k8s.io/$K" \
	"$H/run/containers/storage/overlay-containers/$C/userdata" "$H/var/lib/docker/containers/$D"
cat >"$H/run/containerd/io.containerd.runtime.v2.task/k8s.io/$K/config.json" <<EOF
{"ociVersion":"1.1.0","process":{"args":["/web"]},"annotations":{
 "io.kubernetes.cri.container-type":"container","io.kubernetes.cri.container-name":"web",
 "io.kubernetes.cri.sandbox-id":"$(hex64)","io.kubernetes.cri.sandbox-name":"web-7d9f",
 "io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.sandbox-uid":"$KPOD"}}
EOF
cat >"$H/run/containers/storage/overlay-containers/$C/userdata/config.json" <<EOF
{"ociVersion":"1.0.2","annotations":{"io.kubernetes.pod.name":"api-0",
 "io.kubernetes.pod.namespace":"prod","io.kubernetes.container.name":"api",
 "io.kubernetes.pod.uid":"$CPOD"}}
EOF
cat >"$H/var/lib/docker/containers/$D/config.v2.json" <<EOF
{"ID":"$D","Name":"/proxy","Config":{"Labels":{"maintainer":"x"}}}
EOF
declare -A CNAME=([docker]=proxy [containerd]=web [crio]=api)
declare -A PNAME=([containerd]=web-7d9f [crio]=api-0)
declare -A PNS=([containerd]=shop [crio]=prod)

unique body >"$T/body"
# run_clients: one curl per container, all at once, to one host server;
# PIDS[name] and the request each sent in $T/req-name.
declare -A PIDS
run_clients() {
	local n pids=()
	peer_serve srv --http --count ${#NAMES[@]} --reply "$T/body"
	for n in "${NAMES[@]}"; do
		"${IN_CGROUP[@]}" "$(cg_dir "$n")" curl -sk --http1.1 "https://127.0.0.1:$PORT/$n-$D" \
			-o "$T/got-$n" &
		PIDS[$n]=$!
		pids+=($!)
		printf 'GET /%s-%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: curl/%s\r\nAccept: */*\r\n\r\n' \
			"$n" "$D" "$PORT" "$(curl -V | awk 'NR==1{print $2}')" >"$T/req-$n"
	done
	for n in "${NAMES[@]}"; do
		wait "${PIDS[$n]}" || fail "curl in $n failed"
		assert_bytes "$T/body" "$T/got-$n" "curl in $n's download"
	done
	wait "$SERVER" 2>/dev/null
}

# check_identity NAME [CGROUP]: every record of NAME's curl names its
# container (and cgroup CGROUP, its own by default).
check_identity() {
	local n=$1 want=${2:-${CG[$1]}}
	python3 - "$T/out" "${PIDS[$n]}" "$want" "${ID[$n]}" "${RUNTIME[$n]}" "${POD[$n]:-}" \
		"${CNAME[$n]:-}" "${PNAME[$n]:-}" "${PNS[$n]:-}" <<'PY' || fail "$n: identity"
import json, sys
f, pid, cg, cid, rt, pod, cname, pname, pns = sys.argv[1:]
recs = [r for r in map(json.loads, open(f)) if r["pid"] == int(pid)]
assert recs, f"no records of pid {pid}"
for r in recs:
    got = {k: r.get(k) for k in ("cgroup", "container_id", "container_runtime", "pod_uid",
                                 "container_name", "pod_name", "pod_namespace")}
    want = {"cgroup": cg, "container_id": cid, "container_runtime": rt, "pod_uid": pod or None,
            "container_name": cname or None, "pod_name": pname or None,
            "pod_namespace": pns or None}
    assert got == want, f"got {got}\nwant {want}"
PY
}

# check_host PID CGROUP: the host's process names its cgroup and no container.
check_host() {
	python3 - "$T/out" "$1" "$2" <<'PY' || fail "host server: identity"
import json, sys
f, pid, cg = sys.argv[1:]
recs = [r for r in map(json.loads, open(f)) if r["pid"] == int(pid)]
assert recs, "no records of the server"
for r in recs:
    assert r.get("cgroup") == cg, f"cgroup {r.get('cgroup')!r}, want {cg!r}"
    extra = [k for k in r if k.startswith(("container", "pod"))]
    assert not extra, f"host record has {extra}"
PY
}

# The host server's cgroup as the records should name it: v2's, or the v1
# memory one's when it sits at v2's root (no container in either).
host_cgroup() {
	local v2
	v2=$(awk -F: '$1 == 0 {print $3}' "/proc/$1/cgroup")
	if [[ $v2 == / && -n $V1 ]]; then
		awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$1/cgroup"
	else
		echo "$v2"
	fi
}

# 1. Everything, JSON, text -x and pcapng.
sniff_start -f json --host-root "$H"
run_clients
sniff_stop
for n in "${NAMES[@]}"; do check_identity "$n"; done
HOSTCG=$(grep -o '/process_api/[0-9a-f]*' /proc/self/cgroup || true)
check_host "$SERVER" "$(host_cgroup $$)"
[[ -z $HOSTCG ]] || grep -q "\"cgroup\":\"$HOSTCG\"" "$T/out" || fail "the host's /process_api cgroup not named"
# pcapng: each packet's comment names its container and pod. The curls
# alone (-c curl): with both ends of a loopback connection traced, the end
# seen first owns its stream and the other's calls are its mirror, and
# under load the server's read can come first.
sniff_start -c curl --host-root "$H" -w "$T/cap.pcapng"
run_clients
sniff_stop
tshark -r "$T/cap.pcapng" -T fields -e frame.comment 2>/dev/null >"$T/comments"
grep -q "comm curl .* container ${K:0:12} name web pod shop/web-7d9f" "$T/comments" ||
	{ head -n 3 "$T/comments" >&2; fail "pcapng comments do not name the containerd container"; }
grep -q "container ${C:0:12} name api pod prod/api-0" "$T/comments" ||
	fail "pcapng comments do not name the cri-o container"

sniff_start -x --host-root "$H"
run_clients
sniff_stop
grep -E "^WRITE/SEND +[0-9.]+ +curl +${PIDS[docker]} .* ${D:0:12} " "$T/out" >/dev/null ||
	{ head -n 3 "$T/out" >&2; fail "-x shows no container column for docker's curl"; }
grep -E "^[A-Z/]+ +[0-9.]+ +python3 +$SERVER +[0-9-]+ +[0-9]+ +[0-9]+ +- " "$T/out" >/dev/null ||
	fail "-x shows a container for the host's server"

# 2. --container: that container alone, byte for byte; nothing of the host.
for n in containerd v1docker; do
	[[ -n ${CG[$n]:-} ]] || continue
	sniff_start -f json --host-root "$H" --container "${ID[$n]:0:10}"
	run_clients
	sniff_stop
	check_identity "$n"
	records --pid "${PIDS[$n]}" --dir write --data >"$T/w"
	assert_bytes "$T/req-$n" "$T/w" "--container $n: its request"
	others=$(python3 -c 'import json,sys; print(sorted({r["pid"] for r in map(json.loads, open(sys.argv[1]))} - {int(sys.argv[2])}))' \
		"$T/out" "${PIDS[$n]}")
	[[ $others == "[]" ]] || fail "--container $n captured other processes: $others"
done

# 3. --cgroup (the pod's slice, as /proc names it) with -c: the pod's curl.
sniff_start -f json --cgroup "${CG[containerd]%/*}" -c curl
run_clients
sniff_stop
[[ $(records --field pid | sort -u) == "${PIDS[containerd]}" ]] ||
	fail "--cgroup POD -c curl: records of $(records --field pid | sort -u | tr '\n' ' ')"

# 4. Bad ones: one line, exit 1.
ambig=abcd$(hex64 | head -c 60)
cgroup_make "$V2/system.slice/docker-$ambig.scope"
cgroup_make "$V2/system.slice/docker-abcd${ambig:4:59}0.scope"
for arg in "--container abcd" "--container 0123456789abcdef0123" "--cgroup /no/such/cgroup" \
	"--container a/b"; do
	# shellcheck disable=SC2086 # the option and its value
	"$SSLSNIFF" $arg >/dev/null 2>"$T/bad" && fail "$arg: exit 0"
	[[ $(wc -l <"$T/bad") == 1 ]] || { cat "$T/bad" >&2; fail "$arg: not one line"; }
done
grep -q "ambiguous" <("$SSLSNIFF" --container abcd 2>&1) || fail "--container abcd: not called ambiguous"

# 5. Pure cgroup v2, as sslsniff sees it: its /sys/fs/cgroup is cgroup2 alone.
cat >"$T/sniff-v2" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "\$0" "\$@"' "$SSLSNIFF" "\$@"
EOF
chmod +x "$T/sniff-v2"
SSLSNIFF=$T/sniff-v2 sniff_start -f json --host-root "$H"
NAMES=(docker containerd crio)
run_clients
sniff_stop
for n in "${NAMES[@]}"; do check_identity "$n"; done
check_host "$SERVER" "$(awk -F: '$1 == 0 {print $3}' /proc/$$/cgroup)"
SSLSNIFF=$T/sniff-v2 sniff_start -f json --container "${C:0:8}"
run_clients
sniff_stop
[[ $(records --field pid | sort -u) == "${PIDS[crio]}" ]] || fail "pure v2: --container cri-o"
echo "ok: ${#CG[@]} containers named and filtered, hybrid and pure v2"
