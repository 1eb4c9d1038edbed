#!/usr/bin/env bash
# The output files (-o, -w, --keylog, --summary-json), which hold secrets:
# a symlink at the path is refused and its target keeps its content and
# mode; a file or FIFO of another user, or one with a second hard link, is
# refused and left alone; two options naming one file through two paths
# are refused; new files are 0600 whatever the umask; our own old file is
# emptied and made 0600; a failed start-up removes the files it created and
# leaves old ones as they were; FIFOs, /dev/null, /dev/stdout and - stream.
. "$(dirname "$0")/lib.sh"
need python3 stat timeout

D=$T/d
mkdir "$D"
chmod 1777 "$D"	# like /tmp: others may plant things here

# refused WANT ARGS...: sslsniff exits 1 with one line containing WANT, fast
# (a planted FIFO must not block it), and writes nothing to stdout.
refused() {
	local want=$1 rc; shift
	timeout 10 "$SSLSNIFF" "$@" >"$T/rout" 2>"$T/rerr"
	rc=$?
	[[ $rc == 1 ]] || fail "'$*' exited $rc, want 1: $(cat "$T/rerr")"
	[[ $(wc -l <"$T/rerr") == 1 ]] || fail "'$*' printed more than one line: $(cat "$T/rerr")"
	grep -qF -- "$want" "$T/rerr" || fail "'$*': want '$want', got: $(cat "$T/rerr")"
	[[ ! -s $T/rout ]] || fail "'$*' wrote to stdout"
}
# unchanged FILE CONTENT MODE OWNER
unchanged() {
	[[ $(cat "$1") == "$2" ]] || fail "$1 changed: $(head -c 100 "$1")"
	[[ $(stat -c %a:%u "$1") == "$3:$4" ]] || fail "$1: mode:owner $(stat -c %a:%u "$1"), want $3:$4"
}

# A symlink planted at each output path, to a file of ours and dangling.
echo precious >"$T/victim"
chmod 644 "$T/victim"
ln -s "$T/victim" "$D/link"
ln -s "$T/nothing-here" "$D/dangling"
for opt in -o -w --keylog --summary-json; do
	refused "$opt: '$D/link' is a symbolic link: refused" "$opt" "$D/link"
	unchanged "$T/victim" precious 644 0
	refused "$opt: '$D/dangling' is a symbolic link: refused" "$opt" "$D/dangling"
	[[ ! -e $T/nothing-here ]] || fail "$opt created the dangling symlink's target"
done
# A refusal after another output was created: that one is removed again.
refused "--keylog: '$D/link' is a symbolic link" -o "$D/fresh" -w "$D/fresh.pcapng" --keylog "$D/link"
[[ ! -e $D/fresh && ! -e $D/fresh.pcapng ]] || fail "a refused start-up left the files it created"

# Another user's file and FIFO: not ours to empty or to hand secrets to.
echo theirs >"$D/theirs"
chmod 666 "$D/theirs"
chown 65534:65534 "$D/theirs"
mkfifo -m 666 "$D/their-fifo"
chown 65534:65534 "$D/their-fifo"
for opt in -o -w --keylog --summary-json; do
	refused "$opt: '$D/theirs' belongs to uid 65534, not to uid 0" "$opt" "$D/theirs"
	unchanged "$D/theirs" theirs 666 65534
	refused "$opt: '$D/their-fifo' belongs to uid 65534" "$opt" "$D/their-fifo"
done

# A second name for a file (a hard link, maybe to a root file elsewhere).
echo linked >"$D/one"
chmod 644 "$D/one"
ln "$D/one" "$D/two"
refused "-o: '$D/two' has 2 hard links: not replaced" -o "$D/two"
unchanged "$D/one" linked 644 0
rm "$D/two"

# One file under two names, new or old: refused, and a file made for it removed.
cd "$D" || fail "cd"
refused "-o '$D/new' and -w './new' are the same file" -o "$D/new" -w ./new
[[ ! -e $D/new ]] || fail "the refused start-up left the file it created"
refused "--keylog '$D/one' and --summary-json '$D/../d/one' are the same file" \
	--keylog "$D/one" --summary-json "$D/../d/one"
unchanged "$D/one" linked 644 0
# The records on stdout, redirected to the file -w names.
"$SSLSNIFF" -w "$D/one" >>"$D/one" 2>"$T/rerr" && fail "stdout and -w on one file accepted"
grep -qF "are the same file" "$T/rerr" || fail "stdout and -w: $(cat "$T/rerr")"
unchanged "$D/one" linked 644 0
cd - >/dev/null || fail "cd"

# A start-up that fails at load (a corrupt kernel BTF): the files it created
# are gone, the old ones keep their content and mode.
head -c 4096 /dev/urandom >"$T/bad.btf"
echo old-capture >"$D/old"
chmod 644 "$D/old"
refused "bpf: cannot" --kernel-btf "$T/bad.btf" -o "$D/c1" -w "$D/old" --keylog "$D/c2" \
	--summary-json "$D/c3"
for f in c1 c2 c3; do [[ ! -e $D/$f ]] || fail "failed start-up left $f behind"; done
unchanged "$D/old" old-capture 644 0

# A real capture under umask 000: new files 0600; our old 0666 file emptied
# and made 0600; a FIFO of ours streamed (not truncated, mode kept); the
# records written in full.
unique outfiles >"$T/req"
printf 'reply:{req}' >"$T/reply"
peer_serve srv --count 2 --reply "$T/reply"
echo "stale-$(cat "$T/req")" >"$D/old"
chmod 666 "$D/old"
mkfifo -m 640 "$D/fifo"
cat "$D/fifo" >"$T/fifo.out" &
FIFO_READER=$!
umask 000
sniff_start -f json -o "$D/old" -w "$D/fifo" --keylog "$D/keys" --summary-json "$D/sum.json" \
	-p "$SERVER"
umask 022
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" || fail "client failed"
sniff_stop
wait "$FIFO_READER"
for f in old keys sum.json; do
	[[ $(stat -c %a "$D/$f") == 600 ]] || fail "$f: mode $(stat -c %a "$D/$f"), want 600"
done
[[ $(stat -c %a "$D/fifo") == 640 ]] || fail "the FIFO's mode was changed"
grep -q stale "$D/old" && fail "our old -o file was not emptied"
$RECORDS "$D/old" --pid "$SERVER" --dir read --data >"$T/r"
assert_bytes "$T/req" "$T/r" "-o over our old file"
[[ $(head -c 4 "$T/fifo.out" | od -An -tx1 | tr -d ' ') == 0a0d0d0a ]] ||
	fail "the FIFO did not get a pcapng"
grep -qF "$(cat "$T/req")" "$T/fifo.out" || fail "the pcapng through the FIFO lacks the request"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$D/sum.json" || fail "summary not JSON"

# Streams: /dev/null, /dev/stdout and - take what is given, untouched.
sniff_start -f json -o /dev/null -w /dev/stdout --keylog "$D/keys2" -p "$SERVER"
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" || fail "client failed"
sniff_stop
[[ -c /dev/null && $(stat -c %a /dev/null) == 666 ]] || fail "/dev/null was changed"
[[ $(head -c 4 "$T/out" | od -An -tx1 | tr -d ' ') == 0a0d0d0a ]] ||
	fail "-w /dev/stdout wrote no pcapng to stdout"
grep -qF "$(cat "$T/req")" "$T/out" || fail "-w /dev/stdout: the request is missing"
true
