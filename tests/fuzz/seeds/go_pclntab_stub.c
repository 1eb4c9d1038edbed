/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stripped Go executable's function table, for the go_pclntab fuzz
 * target's ELF seeds: pclntab.inc (tests/fuzz/seeds/pclntab.py, a few
 * functions of a real table, textStart 0 as Go 1.26 writes it) in
 * .gopclntab; the code its entries count from, go_text, not at .text's
 * start; and runtime.firstmoduledata's first words in .data, whose text
 * (the 23rd word) says where go_text is. Linked without PIE, so that the
 * file holds the addresses.
 */
__asm__(".text\n"
	"not_go:\n\t.fill 64,1,0xcc\n"
	".globl go_text\ngo_text:\n\t.fill 4096,1,0xc3\n");

extern const char go_text[];

__attribute__((section(".gopclntab"), used, aligned(16)))
const unsigned char pclntab[] = {
#include "pclntab.inc"
};

/* pcHeader, funcnametab (at the header's funcnameOffset, 72), ..., minpc, maxpc, text. */
__attribute__((used)) const void *moduledata[24] = {
	[0] = pclntab, [1] = pclntab + 72, [20] = go_text, [22] = go_text,
};
