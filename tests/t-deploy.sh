#!/usr/bin/env bash
# test-timeout: 900
# The node-wide deployment as far as this machine can run it: the manifest
# (docs/daemonset.yaml) parses and has the host PID namespace, a privileged
# container, each host mount where sslsniff reads it and args that sslsniff
# knows; then the image (Dockerfile) built with a private dockerd, on a
# Debian 12 base made with debootstrap, runs with the manifest's own mounts,
# PID namespace and args translated to docker run flags, and its stdout (the
# log pipeline's input) carries curl's request and response byte for byte.
# A curl in a docker container of its own is named by its records
# (container id, runtime and name, from the node's state under /host). Its
# peak RSS must fit the manifest's memory limit and its stop the grace
# period. Cold (no base, no layers in $SSLSNIFF_CACHE/deploy) it took 81-88 s
# here, warm 13-18 s, 25 s after a change to sslsniff's sources.
. "$(dirname "$0")/lib.sh"
need python3 curl
top=$(cd "$TESTS_DIR/.." && pwd)
# SSLSNIFF_DAEMONSET: another manifest (an edited copy) to test.
M=${SSLSNIFF_DAEMONSET:-$top/docs/daemonset.yaml}
CACHE=${SSLSNIFF_CACHE:-/var/cache/sslsniff}/deploy
$PY3 -c 'import yaml' 2>/dev/null || skip "needs python3-yaml (run make deps)"

# 1. The manifest, as the lines the rest of the test reads.
$PY3 - "$M" >"$T/m" 2>"$T/m.err" <<'PY' || fail "the manifest '$M': $(tail -n 3 "$T/m.err")"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = [d for d in docs if d.get("kind") == "DaemonSet"]
if len(ds) != 1 or ds[0].get("apiVersion") != "apps/v1":
    sys.exit("want one apps/v1 DaemonSet, found %s" % [d.get("kind") for d in docs])
d = ds[0]
if "namespace" in d["metadata"]:
    sys.exit("metadata.namespace is set: the user chooses it (kubectl -n)")
sel = d["spec"]["selector"]["matchLabels"]
tpl = d["spec"]["template"]
if any(tpl["metadata"]["labels"].get(k) != v for k, v in sel.items()):
    sys.exit("the selector does not match the template's labels")
pod = tpl["spec"]
c = pod["containers"]
if len(c) != 1:
    sys.exit("want one container, found %d" % len(c))
c = c[0]
# No apiserver here to validate against (kubectl's dry run needs one): the
# keys this manifest uses, each of the API's own (core/v1), so that a typo
# is not silently taken for an absent field.
known = {
    "pod": {"hostPID", "automountServiceAccountToken", "enableServiceLinks", "priorityClassName",
            "tolerations", "terminationGracePeriodSeconds", "containers", "volumes"},
    "container": {"name", "image", "imagePullPolicy", "args", "securityContext", "resources",
                  "volumeMounts"},
    "securityContext": {"privileged", "runAsUser", "capabilities", "seccompProfile"},
    "volumeMount": {"name", "mountPath", "readOnly", "mountPropagation"},
    "volume": {"name", "hostPath"},
    "hostPath": {"path", "type"},
}
def check(what, obj):
    extra = set(obj) - known[what]
    if extra:
        sys.exit("%s: keys the test does not know (typos?): %s" % (what, sorted(extra)))
check("pod", pod)
for x in pod["containers"]:
    check("container", x)
    check("securityContext", x.get("securityContext", {}))
    for m in x.get("volumeMounts", []):
        check("volumeMount", m)
for v in pod.get("volumes", []):
    check("volume", v)
    check("hostPath", v.get("hostPath", {}))
if not any(t.get("operator") == "Exists" and not t.get("key") for t in pod.get("tolerations", [])):
    sys.exit("no toleration of every taint (operator: Exists, no key)")
print("hostPID", pod.get("hostPID", False))
print("privileged", c.get("securityContext", {}).get("privileged", False))
print("grace", pod.get("terminationGracePeriodSeconds", 30))
print("limit", c.get("resources", {}).get("limits", {}).get("memory", "-"))
for a in c.get("args", []):
    print("arg", a)
vols = {v["name"]: v for v in pod.get("volumes", [])}
for m in c.get("volumeMounts", []):
    v = vols.get(m["name"])
    if v is None or "hostPath" not in v:
        sys.exit("volumeMount %s: no hostPath volume of that name" % m["name"])
    hp = v["hostPath"]
    print("mount", hp["path"], m["mountPath"], "ro" if m.get("readOnly") else "rw",
          m.get("mountPropagation", "None"), hp.get("type", "-"))
PY
field() { awk -v k="$1" '$1 == k {print $2}' "$T/m"; }
[[ $(field hostPID) == True ]] || fail "the manifest: hostPID is not true"
[[ $(field privileged) == True ]] || fail "the manifest: the container is not privileged"
# host path, mount path, mode: each where sslsniff reads it.
for want in "/sys/kernel/btf /sys/kernel/btf ro" "/sys/fs/cgroup /sys/fs/cgroup ro" \
	    "/ /host ro" "/var/cache/sslsniff /var/cache/sslsniff rw"; do
	grep -q "^mount $want " "$T/m" || fail "the manifest: no mount '$want': $(grep ^mount "$T/m")"
done
grep -q '^mount /var/cache/sslsniff .* DirectoryOrCreate$' "$T/m" ||
	fail "the manifest: the cache's hostPath is not DirectoryOrCreate"
sed -n 's/^arg //p' "$T/m" >"$T/args"
mapfile -t ARGS <"$T/args"
[[ " ${ARGS[*]} " == *" --format json "* ]] || fail "the manifest's args lack --format json: ${ARGS[*]}"
# The shipped manifest names the node's root for the runtimes' state.
[[ -n ${SSLSNIFF_DAEMONSET:-} || " ${ARGS[*]} " == *" --host-root /host "* ]] ||
	fail "the manifest's args lack --host-root /host"
# Every option in args is one sslsniff knows (its --help), and so is every
# option of the commented examples.
"$SSLSNIFF" --help >"$T/help" 2>&1 || fail "sslsniff --help: $(tail -n 2 "$T/help")"
{ grep -o -- '^--[a-z0-9-]*' "$T/args"
  sed -n 's/^ *# - \(--[a-z0-9-]*\).*/\1/p; s/^ *# - \(-[a-zA-Z]\) .*/\1/p' "$M"; } |
	sort -u >"$T/opts"
[[ -s $T/opts ]] || fail "the manifest: no option found in its args"
while read -r o; do
	grep -qE -- "(^|[ ,])$o([=, ]|$)" "$T/help" || fail "the manifest uses $o, which sslsniff --help does not know"
done <"$T/opts"
echo "manifest: $(wc -l <"$T/opts") options known, ${#ARGS[@]} args, $(grep -c ^mount "$T/m") mounts"

# 2. The image, with a dockerd of the test's own (no bridge, no iptables).
[[ -x /usr/sbin/dockerd && -x /usr/bin/docker ]] || skip "needs docker.io's dockerd (run make deps)"
need debootstrap unshare
DOCKER=/usr/bin/docker	# Debian's client, of the daemon's API version
export DOCKER_HOST=unix://$T/docker.sock
mkdir -p "$CACHE/docker"
# Its own mount namespace, whose / is shared: the manifest's
# HostToContainer (rslave) needs a shared mount to follow, and the host's
# root is private here. Its mounts (overlays) go away with it. There its
# data root, in the cache, is at /var/lib/docker, where sslsniff reads
# docker's state under --host-root (on a tmpfs over /var/lib: nothing is
# made on the host's own /var/lib).
unshare -m --propagation unchanged sh -c 'mount --make-rshared / &&
	mount -t tmpfs -o mode=755 sslsniff-t-deploy /var/lib && mkdir /var/lib/docker &&
	mount --bind "$0" /var/lib/docker && exec "$@"' "$CACHE/docker" \
	/usr/sbin/dockerd --host "$DOCKER_HOST" --data-root /var/lib/docker --exec-root "$T/exec" \
	--pidfile "$T/docker.pid" --iptables=false --ip-forward=false --ip-masq=false \
	--bridge=none --storage-driver=overlay2 >"$T/dockerd.log" 2>&1 &
DOCKERD=$!
CONTAINER=
BG_CONTAINERS=()
deploy_cleanup() {
	local rc=$? c
	for c in "${BG_CONTAINERS[@]}" $CONTAINER; do $DOCKER rm -f "$c" >/dev/null 2>&1; done
	if kill -0 "$DOCKERD" 2>/dev/null; then
		# The previous builds' images, not the base or the current layers.
		$DOCKER image prune -f >/dev/null 2>&1
		kill "$DOCKERD" && wait "$DOCKERD"
	fi
	(exit $rc)
	cleanup
}
trap deploy_cleanup EXIT
docker_up() { $DOCKER info >/dev/null; }
wait_for 30 docker_up || {
	kill -0 "$DOCKERD" 2>/dev/null || skip "dockerd does not start here: $(grep -v '^$' "$T/dockerd.log" | tail -n 1)"
	fail "dockerd did not answer in 30 s: $(tail -n 3 "$T/dockerd.log")"
}

# The base: Debian 12 minbase, from the mirror this machine's apt uses,
# kept as a tarball (made again when absent).
start=$SECONDS
if ! $DOCKER image inspect sslsniff-base:bookworm >/dev/null 2>&1; then
	tarball=$CACHE/bookworm-minbase.tar
	if [[ ! -s $tarball ]]; then
		mirror=$(sed -n 's|^URIs: *\(\S*/debian\)/*$|\1|p' /etc/apt/sources.list.d/debian.sources \
			2>/dev/null | head -n 1)
		rm -rf "$CACHE/root.tmp" && mkdir -p "$CACHE/root.tmp" "$CACHE/debootstrap"
		unshare -m --propagation private debootstrap --variant=minbase \
			--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
			--cache-dir="$CACHE/debootstrap" bookworm "$CACHE/root.tmp" \
			"${mirror:-http://deb.debian.org/debian}" >"$T/debootstrap.log" 2>&1 || {
			rm -rf --one-file-system "$CACHE/root.tmp"
			grep -qiE "couldn't download|failed getting release|could not resolve|temporary failure" \
				"$T/debootstrap.log" &&
				skip "no Debian base can be made: the mirror is not reachable: $(tail -n 1 "$T/debootstrap.log")"
			fail "debootstrap: $(tail -n 3 "$T/debootstrap.log")"
		}
		rm -rf "$CACHE/root.tmp/var/cache/apt/archives/"*.deb "$CACHE/root.tmp/var/lib/apt/lists/"*_Packages
		tar -C "$CACHE/root.tmp" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball" ||
			fail "cannot write $tarball"
		rm -rf --one-file-system "$CACHE/root.tmp"
	fi
	$DOCKER import "$tarball" sslsniff-base:bookworm >"$T/import.log" 2>&1 ||
		fail "docker import: $(cat "$T/import.log")"
fi
base_s=$((SECONDS - start))

# The build stage tagged too, so that pruning the last run's images keeps
# its package layer; the second build reuses every layer of the first.
start=$SECONDS
for target in "--target build -t sslsniff-build:t-deploy" "-t sslsniff:t-deploy"; do
	# shellcheck disable=SC2086 # the target's words
	$DOCKER build --network host --build-arg BASE=sslsniff-base:bookworm $target "$top" \
		>"$T/build.log" 2>&1 || {
		grep -qiE "failed to fetch|temporary failure resolving|could not resolve" "$T/build.log" &&
			skip "the image's packages cannot be downloaded: $(grep -iE 'failed to fetch|resolv' "$T/build.log" | tail -n 1)"
		fail "docker build: $(tail -n 8 "$T/build.log")"
	}
done
build_s=$((SECONDS - start))
echo "image: base ${base_s}s, build ${build_s}s, $($DOCKER image inspect -f '{{.Size}}' sslsniff:t-deploy) bytes"

# The manifest as docker run flags.
FLAGS=(--network none --log-driver json-file)
[[ $(field hostPID) == True ]] && FLAGS+=(--pid=host)
# privileged asks the runtime for every capability; where this machine's
# own bounding set lacks some, runc cannot grant them and refuses. Then the
# rest of what privileged means: every other capability, no seccomp, no
# AppArmor, no masked /proc and /sys paths, every device.
missing=$($PY3 - <<'PY'
last = int(open("/proc/sys/kernel/cap_last_cap").read())
bnd = int([l for l in open("/proc/self/status") if l.startswith("CapBnd")][0].split()[1], 16)
names = {21: "SYS_ADMIN", 24: "SYS_RESOURCE", 19: "SYS_PTRACE", 2: "DAC_READ_SEARCH"}
print(" ".join(names.get(b, str(b)) for b in range(last + 1) if not bnd >> b & 1))
PY
)
if [[ -z $missing ]]; then
	FLAGS+=(--privileged)
else
	[[ " $missing " != *" SYS_ADMIN "* ]] || skip "this machine's bounding set lacks CAP_SYS_ADMIN"
	echo "privileged: this machine's capability bounding set lacks ${missing// /, } (runc would" \
		"refuse --privileged): every other capability, seccomp, AppArmor and masked paths off"
	FLAGS+=(--cap-add ALL --security-opt seccomp=unconfined --security-opt apparmor=unconfined
		--security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm')
	for c in $missing; do [[ $c == [0-9]* ]] || FLAGS+=(--cap-drop "$c"); done
fi
while read -r _ host path mode prop type; do
	opt=$mode
	case $prop in
	HostToContainer) opt+=,rslave ;;
	Bidirectional) opt+=,rshared ;;
	None) ;;
	*) fail "the manifest: mountPropagation '$prop'" ;;
	esac
	case $type in
	DirectoryOrCreate) mkdir -p "$host" ;;
	Directory) [[ -d $host ]] || skip "this machine has no $host (hostPath type Directory)" ;;
	esac
	FLAGS+=(-v "$host:$path:$opt")
done < <(grep '^mount ' "$T/m")

TOKEN=$(unique deploy-header)
unique deploy-body >"$T/body"
peer_serve srv --http --reply "$T/body" --count 2	# the host's curl, the container's

CONTAINER=sslsniff-t-deploy-$$
$DOCKER run -d --name "$CONTAINER" "${FLAGS[@]}" sslsniff:t-deploy "${ARGS[@]}" >"$T/run.log" 2>&1 ||
	fail "docker run ${FLAGS[*]} sslsniff:t-deploy ${ARGS[*]}: $(cat "$T/run.log")"
logs() { $DOCKER logs "$CONTAINER" >"$T/out" 2>"$T/err"; }
ready() { logs && grep -q 'Ctrl-C to end\.$' "$T/err"; }
wait_for 60 ready || {
	logs
	fail "the container did not attach in 60 s ($($DOCKER inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$CONTAINER")): $(tail -n 5 "$T/err")"
}
SPID=$($DOCKER inspect -f '{{.State.Pid}}' "$CONTAINER")
grep -E '^sslsniff: attached [0-9]+ probes' "$T/err"

curl -sk --http1.1 -H "X-Test: $TOKEN" "https://127.0.0.1:$PORT/path-$TOKEN" -o "$T/got" &
CURL=$!
wait "$CURL" || fail "curl failed"
assert_bytes "$T/body" "$T/got" "curl's own download"
printf 'GET /path-%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: curl/%s\r\nAccept: */*\r\nX-Test: %s\r\n\r\n' \
	"$TOKEN" "$PORT" "$(curl -V | awk 'NR==1{print $2}')" "$TOKEN" >"$T/request"
{ printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' "$(wc -c <"$T/body")"
  cat "$T/body"; } >"$T/response"
have_reply() { logs && [[ $(records --pid "$CURL" --dir read --data | wc -c) -ge $(wc -c <"$T/response") ]]; }
wait_for 20 have_reply || fail "the container's stdout has no whole reply to curl: $(tail -n 3 "$T/err")"

# A client in a container of its own (the host's curl and the libraries it
# links, with a linker cache of its own, as an image): its records name
# that container, as docker named it. sslsniff reads the new root's linker
# cache while it holds the container's first process (docs/sslsniff.8).
mkdir -p "$T/croot/tmp" "$T/croot/etc"
for f in /usr/bin/curl $(ldd /usr/bin/curl | grep -o '/[^ ]*'); do
	mkdir -p "$T/croot$(dirname "$f")" && cp -L "$f" "$T/croot$f" || fail "cannot copy $f"
done
cp -r /etc/ld.so.conf /etc/ld.so.conf.d "$T/croot/etc/" && ldconfig -r "$T/croot" ||
	fail "cannot make the client root's linker cache"
tar -C "$T/croot" -c . | $DOCKER import - sslsniff-curl:t-deploy >"$T/import.log" 2>&1 ||
	fail "docker import of curl: $(cat "$T/import.log")"
CTOKEN=$(unique deploy-container)
CNAME=sslsniff-t-deploy-curl-$$
CID=$($DOCKER run -d --name "$CNAME" --network host sslsniff-curl:t-deploy /usr/bin/curl -sk \
	--http1.1 -o /tmp/got "https://127.0.0.1:$PORT/in-container-$CTOKEN" 2>"$T/crun.err") ||
	fail "docker run curl: $(cat "$T/crun.err")"
BG_CONTAINERS+=("$CNAME")
code=$($DOCKER wait "$CNAME")
[[ $code == 0 ]] || fail "curl in its container exited $code: $($DOCKER logs "$CNAME" 2>&1 | tail -n 2)"
in_container() { logs && grep -q "in-container-$CTOKEN" <(records --comm curl --dir write --data); }
wait_for 20 in_container || fail "no record of the curl in container $CID"
$PY3 - "$T/out" "in-container-$CTOKEN" "$CID" "$CNAME" "$CURL" <<'PY' || fail "the container's curl's records"
import base64, json, sys
out, token, cid, name, host_pid = sys.argv[1:]
recs = [json.loads(l) for l in open(out)]
data = [r for r in recs if r.get("type") == "data"]
pids = {r["pid"] for r in data
        if r["comm"] == "curl" and token.encode() in base64.b64decode(r.get("data", ""))}
if not pids:
    sys.exit("no record with %s" % token)
mine = [r for r in data if r["pid"] in pids]
if {r["direction"] for r in mine} != {"read", "write"}:
    sys.exit("the container's curl: not both directions: %s" % [r["direction"] for r in mine])
for r in mine:
    got = {k: r.get(k) for k in ("container_id", "container_runtime", "container_name")}
    want = {"container_id": cid, "container_runtime": "docker", "container_name": name}
    bad = {k: (got[k], v) for k, v in want.items() if got[k] != v}
    if bad:
        sys.exit("record of pid %d: (got, want) %s" % (r["pid"], bad))
    if cid not in (r.get("cgroup") or ""):
        sys.exit("record of pid %d: cgroup %r does not name %s" % (r["pid"], r.get("cgroup"), cid))
r = mine[0]
print("container curl: pid %d, cgroup %s, %s %s... %s, %d records" % (r["pid"], r["cgroup"],
      r["container_runtime"], cid[:12], r["container_name"], len(mine)))
# The host's curl is in no container.
named = [r["direction"] for r in data if r["pid"] == int(host_pid) and "container_id" in r]
if named:
    sys.exit("the host curl's records name a container: %s" % named)
PY
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SPID/status")

# Stopped as the kubelet does: SIGTERM, SIGKILL after the grace period.
grace=$(field grace)
start=$(date +%s%N)
$DOCKER stop -t "$grace" "$CONTAINER" >/dev/null || fail "docker stop failed"
stop_ms=$((($(date +%s%N) - start) / 1000000))
logs
code=$($DOCKER inspect -f '{{.State.ExitCode}}' "$CONTAINER")
[[ $code == 0 ]] || fail "sslsniff exited $code on SIGTERM after ${stop_ms} ms (grace ${grace}s): $(tail -n 3 "$T/err")"
grep -q '^sslsniff: [0-9]* records, [0-9]* bytes captured; lost: ' "$T/err" ||
	fail "no summary line at exit: $(tail -n 3 "$T/err")"

# The log pipeline's input: JSON lines only, curl's bytes in them.
records --pid "$CURL" --dir write --data >"$T/c.w"
assert_bytes "$T/request" "$T/c.w" "curl's request, on the container's stdout"
records --pid "$CURL" --dir read --data >"$T/c.r"
assert_bytes "$T/response" "$T/c.r" "curl's response, on the container's stdout"
[[ $(records --pid "$CURL" --field comm | sort -u) == curl ]] || fail "curl's records do not say comm curl"

limit=$(field limit)
case $limit in
*Mi) limit_kb=$((${limit%Mi} * 1024)) ;;
*Gi) limit_kb=$((${limit%Gi} * 1024 * 1024)) ;;
*) fail "the manifest: memory limit '$limit' (want Mi or Gi)" ;;
esac
echo "measured: peak RSS ${hwm} kB (limit $limit), stop ${stop_ms} ms (grace ${grace}s)," \
	"$(grep -oE 'attached [0-9]+ probes to [0-9]+ files' "$T/err" | head -n 1)"
((hwm * 2 <= limit_kb)) || fail "peak RSS ${hwm} kB leaves less than half of the limit $limit free"
# Exit status 0 says it stopped before the SIGKILL; a quarter of the grace
# period is kept free for a node with more probes (or a slower one).
((stop_ms * 4 <= grace * 1000 * 3)) ||
	fail "the stop took ${stop_ms} ms of the ${grace} s grace period: raise terminationGracePeriodSeconds"
