#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the fuzz targets built in FUZZ_DIR (make fuzz-build: .output-fuzz).
#   run.sh fuzz [SECONDS] [TARGET...]  fuzz each for SECONDS (default 60), one
#                                      at a time, at nice 19; new inputs go to
#                                      FUZZ_DIR/corpus/TARGET, findings to
#                                      FUZZ_DIR/crash-TARGET-*
#   run.sh regress [TARGET...]         each once over its committed corpus,
#                                      its generated seeds and its crash
#                                      reproducers (tests/fuzz/regress/):
#                                      fails on any crash, leak or sanitizer
#                                      report
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
FUZZ_DIR=${FUZZ_DIR:-$root/.output-fuzz}
mode=${1:?usage: run.sh fuzz [SECONDS] [TARGET...] | regress [TARGET...]}
shift
seconds=60
if [[ $mode == fuzz && ${1:-} =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi

# The longest input worth trying: a little more than the largest seed.
max_len() {
	case $1 in
	elf | dwarf | probe_place | go_pclntab) echo 16384 ;;
	btf_load) echo 32768 ;;
	decode) echo 8192 ;;
	http2) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

targets=("$@")
if ((${#targets[@]} == 0)); then
	for src in "$here"/*.c; do
		targets+=("$(basename "$src" .c)")
	done
fi

# The input directories of TARGET that exist. The corpus of a target whose
# inputs are large and alike (ELF files) is committed as .tar.xz archives,
# unpacked here into FUZZ_DIR/unpacked/TARGET.
inputs() {
	local d a
	d=$FUZZ_DIR/unpacked/$1
	rm -rf "$d"
	for a in "$here/corpus/$1"/*.tar.xz; do
		[[ -f $a ]] || continue
		mkdir -p "$d" && tar -xJf "$a" -C "$d" || return 1
	done
	for d in "$here/corpus/$1" "$FUZZ_DIR/unpacked/$1" "$FUZZ_DIR/seeds/$1" "$here/regress/$1"; do
		[[ -d $d ]] && echo "$d"
	done
}

failed=0
for t in "${targets[@]}"; do
	bin=$FUZZ_DIR/$t
	if [[ ! -x $bin ]]; then
		echo "fuzz: $bin is not built (make fuzz-build)" >&2
		failed=1
		continue
	fi
	mapfile -t dirs < <(inputs "$t")
	opts=(-rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$t")")
	if [[ $mode == regress ]]; then
		mapfile -t files < <(find "${dirs[@]}" -type f ! -name '*.tar.xz' 2>/dev/null | sort)
		if ((${#files[@]} == 0)); then
			echo "fuzz: $t has no inputs" >&2
			failed=1
			continue
		fi
		if "$bin" "${opts[@]}" "${files[@]}" >"$FUZZ_DIR/regress-$t.log" 2>&1; then
			echo "fuzz: $t: ${#files[@]} inputs, no finding"
		else
			echo "fuzz: $t: FAILED (${#files[@]} inputs; $FUZZ_DIR/regress-$t.log):" >&2
			grep -m 20 -E 'ERROR|SUMMARY|Running|assertion|runtime error' \
				"$FUZZ_DIR/regress-$t.log" >&2
			failed=1
		fi
	else
		mkdir -p "$FUZZ_DIR/corpus/$t"
		echo "fuzz: $t for ${seconds}s"
		nice -n 19 "$bin" "${opts[@]}" -max_total_time="$seconds" -close_fd_mask=3 \
			-print_final_stats=1 -artifact_prefix="$FUZZ_DIR/crash-$t-" \
			"$FUZZ_DIR/corpus/$t" "${dirs[@]}" 2>&1 | tee "$FUZZ_DIR/fuzz-$t.log" |
			grep -E '^#[0-9]+.*(DONE|INITED)|ERROR|SUMMARY|stat::'
		((PIPESTATUS[0] == 0)) || failed=1
	fi
done
exit $failed
