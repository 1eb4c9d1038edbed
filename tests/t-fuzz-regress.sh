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
	want=$(find "$root/tests/fuzz/corpus/$t" "$FUZZ_DIR/seeds/$t" "$root/tests/fuzz/regress/$t" \
		-type f 2>/dev/null | wc -l)
	got=$(grep -c '^Executed ' "$FUZZ_DIR/regress-$t.log")
	((want > 0 && got == want)) || fail "$t: $got of $want inputs executed"
done
echo "PASS"
