// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: probe placement (target/probe_place.c) on any machine code.
 * The input is u64 the code's address, u32 SSL_write's and u32
 * SSL_write_ex's offsets in it, then the code, from a library's executable
 * segment (tests/fuzz/seeds.sh takes real ones). It is wrapped here in the
 * smallest ELF file that maps it executable at that address, so that the
 * decoder reads it through elf_file__read_text() as it reads a library's.
 * Both decisions run on it: OpenSSL's internal site, and the return
 * instructions of the function at SSL_write's offset (--return-probes=insn).
 */
#include <elf.h>
#include "fuzz.h"
#include "target/elf_file.h"
#include "target/probe_place.h"

#define CODE_OFF 128	/* after the ELF and program headers */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t img[CODE_OFF + 65536];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	struct internal_site site;
	struct probe_returns rets;
	struct elf_file *ef;
	uint32_t plain, ex;
	uint64_t vaddr;
	size_t len;

	if (size < 16 || size - 16 > sizeof(img) - CODE_OFF)
		return 0;
	memcpy(&vaddr, data, 8);
	memcpy(&plain, data + 8, 4);
	memcpy(&ex, data + 12, 4);
	len = size - 16;
	memset(img, 0, CODE_OFF);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = CODE_OFF;
	ph->p_vaddr = ph->p_paddr = vaddr;
	ph->p_filesz = ph->p_memsz = len;
	memcpy(img + CODE_OFF, data + 16, len);
	ef = elf_file__from_fd(fuzz_memfd(img, CODE_OFF + len, NULL, 0));
	FUZZ_ASSERT(ef);
	if (!probe_place_internal(ef, CODE_OFF + (uint64_t)plain, CODE_OFF + (uint64_t)ex, &site))
		FUZZ_ASSERT(site.off >= CODE_OFF && site.off < CODE_OFF + len);
	if (!probe_place_returns(ef, CODE_OFF + (uint64_t)plain, &rets)) {
		FUZZ_ASSERT(rets.n <= PROBE_MAX_RETURNS);
		for (size_t i = 0; i < rets.n; i++)
			FUZZ_ASSERT(rets.off[i] >= CODE_OFF && rets.off[i] < CODE_OFF + len);
	}
	elf_file__close(ef);
	return 0;
}
