#!/usr/bin/env bash
# The fuzz targets (tests/fuzz/, built by make fuzz-build into FUZZ_DIR) run
# once over every committed corpus file, generated seed and crash
# reproducer: any crash, leak, hang or sanitizer report fails, and each
# input must really have been executed.
. "$(dirname "$0")/lib.sh"
root=$(cd "$TESTS_DIR/.." && pwd)
if [[ -z ${FUZZ_DIR:-} ]]; then
	FUZZ_DIR=$root/.output-fuzz
	[[ -d $FUZZ_DIR/seeds ]] || { echo "fuzz targets not built (make fuzz-build)"; exit 2; }
fi
export FUZZ_DIR
"$root/tests/fuzz/run.sh" regress || fail "a fuzz target found something (logs: $FUZZ_DIR/regress-*.log)"
for src in "$root"/tests/fuzz/*.c; do
	t=$(basename "$src" .c)
	log=$FUZZ_DIR/regress-$t.log
	want=$(sed -n 's/.*: Running \([0-9]*\) inputs 1 time(s) each\.$/\1/p' "$log")
	got=$(grep -c '^Executed ' "$log")
	((${want:-0} > 0 && got == want)) || fail "$t: $got of ${want:-0} inputs executed"
done
echo "PASS"
