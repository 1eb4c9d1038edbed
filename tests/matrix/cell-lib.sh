# SPDX-License-Identifier: GPL-2.0
# Sourced by the cells (cell.sh, cell-go.sh): a column's reasons, and the
# result lines the matrix's run reads from $CELL_RESULT.

declare -A bad note skip
add() {	# add ARRAY COLUMN TEXT: one more reason in the column
	local -n a=$1
	a[$2]+="${a[$2]:+; }$3"
}
result() { echo "$1 $2 $3" >>"$CELL_RESULT"; }

# The capture, metadata and keys columns: failed, skipped or passed by
# what was added to them.
cell_results() {
	local col
	for col in capture metadata keys; do
		if [[ -n ${bad[$col]:-} ]]; then
			result "$col" fail "${bad[$col]}"
		elif [[ -n ${skip[$col]:-} ]]; then
			result "$col" skipped "${skip[$col]}"
		else
			result "$col" pass "${note[$col]:-}"
		fi
	done
}
