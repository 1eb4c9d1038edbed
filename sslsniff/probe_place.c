// SPDX-License-Identifier: GPL-2.0
/* Probe placement: OpenSSL's internal read/write functions, found by decoding. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <capstone/capstone.h>
#include "log.h"
#include "probe_place.h"

#define WRAPPER_BYTES	96	/* the wrappers call within their first few instructions */
#define WRAPPER_INSNS	16

/*
 * capstone is dlopen()ed for the decisions on one file, not linked: loading
 * it relocates its tables for every architecture it knows, ~4.4 MB that
 * would stay resident for the whole run after a moment's use at attach time.
 */
struct cs {
	void *dl;
	csh h;
	__typeof__(cs_open) *open;
	__typeof__(cs_option) *option;
	__typeof__(cs_close) *close;
	__typeof__(cs_malloc) *malloc;
	__typeof__(cs_free) *free;
	__typeof__(cs_disasm_iter) *disasm_iter;
	__typeof__(cs_regs_access) *regs_access;
};

#define CS_SYM(cs, f)	((cs)->f = (__typeof__((cs)->f))dlsym((cs)->dl, "cs_" #f))

/* false when capstone is not there: dlerror() says why. */
static bool cs_resolve(struct cs *cs)
{
	cs->dl = dlopen("libcapstone.so.4", RTLD_NOW | RTLD_LOCAL);
	return cs->dl && CS_SYM(cs, open) && CS_SYM(cs, option) && CS_SYM(cs, close) &&
	       CS_SYM(cs, malloc) && CS_SYM(cs, free) && CS_SYM(cs, disasm_iter) &&
	       CS_SYM(cs, regs_access);
}

/*
 * An x86-64 handle with details. capstone is optional: without it nothing
 * is certain and the exported entries are probed, said once with -v.
 */
static int cs_load(struct cs *cs)
{
	static bool told;

	if (!cs_resolve(cs)) {
		if (!told)
			p_debug("probe placement: no capstone (%s): OpenSSL's wrappers probed at "
				"their entries", dlerror());
		told = true;
	} else if (cs->open(CS_ARCH_X86, CS_MODE_64, &cs->h) == CS_ERR_OK) {
		cs->option(cs->h, CS_OPT_DETAIL, CS_OPT_ON);
		return 0;
	}
	if (cs->dl)
		dlclose(cs->dl);
	cs->dl = NULL;
	return -ENOENT;
}

static void cs_unload(struct cs *cs)
{
	cs->close(&cs->h);
	dlclose(cs->dl);
	cs->dl = NULL;
}

/* The register (any width) REG is, as the 64-bit one, for comparisons. */
static x86_reg reg64(x86_reg r)
{
	switch (r) {
	case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
		return X86_REG_RDI;
	case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
		return X86_REG_RSI;
	case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH:
		return X86_REG_RDX;
	case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
		return X86_REG_RCX;
	default:
		return r;
	}
}

/* `movsxd rdx, edx`: the plain wrapper widening its int num to size_t. */
static bool widens_num(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	return in->id == X86_INS_MOVSXD && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	       x->operands[0].reg == X86_REG_RDX && x->operands[1].type == X86_OP_REG &&
	       x->operands[1].reg == X86_REG_EDX;
}

/*
 * Whether IN leaves the arguments the internal function gets as the
 * wrapper got them: the SSL * and buffer always; the _ex wrapper's num and
 * count pointer too (the plain one widens num, and points rcx at its stack).
 */
static bool keeps_args(const struct cs *cs, const cs_insn *in, bool ex)
{
	cs_regs rd, wr;
	uint8_t nrd, nwr;

	if (cs->regs_access(cs->h, in, rd, &nrd, wr, &nwr))
		return false;
	for (uint8_t i = 0; i < nwr; i++) {
		x86_reg r = reg64(wr[i]);

		if (r == X86_REG_RDI || r == X86_REG_RSI)
			return false;
		if (r == X86_REG_RDX && (ex || !widens_num(in)))
			return false;
		if (r == X86_REG_RCX && ex)
			return false;
	}
	return true;
}

/*
 * The direct call the wrapper at OFF makes with its arguments unchanged:
 * its target into *TARGET and its return address into *RET.
 */
static int wrapper_call(const struct cs *cs, struct elf_file *ef, uint64_t off, bool ex,
			uint64_t *target, uint64_t *ret)
{
	uint8_t code[WRAPPER_BYTES];
	const uint8_t *p = code;
	size_t left = sizeof(code);
	uint64_t addr = off;
	cs_insn *in = cs->malloc(cs->h);
	int err = -ENOENT;

	if (!in || elf_file__read_text(ef, off, code, sizeof(code)))
		goto out;
	for (int i = 0; i < WRAPPER_INSNS && cs->disasm_iter(cs->h, &p, &left, &addr, in); i++) {
		const cs_x86 *x = &in->detail->x86;

		if (in->id == X86_INS_CALL) {
			if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
				break;
			*target = x->operands[0].imm;
			*ret = in->address + in->size;
			err = 0;
			break;
		}
		/* A jcc to an error path is fine; leaving or looping is not. */
		if (in->id == X86_INS_JMP || in->id == X86_INS_RET || !keeps_args(cs, in, ex))
			break;
	}
out:
	if (in)
		cs->free(in, 1);
	return err;
}

/* The kernel emulates a push of a register instead of single-stepping it. */
static bool starts_emulated(const struct cs *cs, struct elf_file *ef, uint64_t off)
{
	uint8_t code[16];
	const uint8_t *p = code;
	size_t left = sizeof(code);
	uint64_t addr = off;
	cs_insn *in = cs->malloc(cs->h);
	bool ok = false;

	if (in && !elf_file__read_text(ef, off, code, sizeof(code)) &&
	    cs->disasm_iter(cs->h, &p, &left, &addr, in))
		ok = in->id == X86_INS_PUSH && in->detail->x86.op_count == 1 &&
		     in->detail->x86.operands[0].type == X86_OP_REG;
	if (in)
		cs->free(in, 1);
	return ok;
}

/* Loaded for the decisions on one file (dlopen costs 5-10 ms), until
 * probe_place_release(); loaded.dl says whether it is. */
static struct cs loaded;

void probe_place_release(void)
{
	if (loaded.dl)
		cs_unload(&loaded);
}

int probe_place_internal(struct elf_file *ef, uint64_t plain, uint64_t ex,
			 struct internal_site *out)
{
	uint64_t t_plain, t_ex, ret_plain;

#if !defined(__x86_64__)
	return -ENOENT;
#endif
	if (!plain || !ex)
		return -ENOENT;
	if (!loaded.dl && cs_load(&loaded))
		return -ENOENT;
	if (!wrapper_call(&loaded, ef, plain, false, &t_plain, &ret_plain) &&
	    !wrapper_call(&loaded, ef, ex, true, &t_ex, &out->ex_ret) && t_plain == t_ex &&
	    starts_emulated(&loaded, ef, t_ex)) {
		out->off = t_ex;
		return 0;
	}
	return -ENOENT;
}
