// SPDX-License-Identifier: GPL-2.0
/* Probe placement: OpenSSL's internal read/write functions, found by decoding. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <capstone/capstone.h>
#include "lib/log.h"
#include "target/probe_place.h"

#define WRAPPER_BYTES	96	/* the wrappers call within their first few instructions */
#define WRAPPER_INSNS	16	/* per function walked */

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

/*
 * What an argument register holds on the way from a wrapper's entry to its
 * call: one of the wrapper's own arguments, a pointer into its stack frame
 * (the plain wrapper's count), zero (3.2+'s flags), or something else.
 */
enum arg_val {
	V_OTHER,
	V_ARG0,		/* SSL * */
	V_ARG1,		/* buffer */
	V_ARG2,		/* num */
	V_ARG3,		/* the _ex wrapper's size_t * */
	V_NUM_WIDE,	/* the plain wrapper's int num, sign-extended */
	V_STACK,
	V_ZERO,
};

enum { A_RDI, A_RSI, A_RDX, A_RCX, A_R8, A__MAX };

struct arg_regs {
	enum arg_val v[A__MAX];
};

/* IN is in capstone group G (jump, call, ret): read from its details, as
 * cs_insn_group() would, without one more dlsym(). */
static bool cs_insn_group_of(const cs_insn *in, uint8_t g)
{
	for (uint8_t i = 0; i < in->detail->groups_count; i++) {
		if (in->detail->groups[i] == g)
			return true;
	}
	return false;
}

struct wrapper_call {
	uint64_t target;	/* the function called */
	uint64_t ret;		/* the call's return address */
	struct arg_regs args;	/* at the call */
};

/* The argument register REG (any width) is, or -1. */
static int arg_index(x86_reg r)
{
	switch (r) {
	case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
		return A_RDI;
	case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
		return A_RSI;
	case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH:
		return A_RDX;
	case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
		return A_RCX;
	case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
		return A_R8;
	default:
		return -1;
	}
}

static bool is_reg(const cs_x86_op *op, x86_reg r)
{
	return op->type == X86_OP_REG && op->reg == r;
}

/* The value a register-to-register or address move leaves in its destination. */
static enum arg_val moved_value(const struct arg_regs *ar, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *dst = &x->operands[0], *src = &x->operands[1];
	int from;

	if (x->op_count != 2 || dst->type != X86_OP_REG)
		return V_OTHER;
	switch (in->id) {
	case X86_INS_MOV:
		if (is_reg(src, X86_REG_RSP) && dst->size == 8)
			return V_STACK;
		/* `mov %edx,%edx` after the wrapper's own check that num is
		 * not negative (gcc 15): zero- and sign-extension agree. */
		if (is_reg(dst, X86_REG_EDX) && is_reg(src, X86_REG_EDX))
			return ar->v[A_RDX] == V_ARG2 ? V_NUM_WIDE : V_OTHER;
		from = src->type == X86_OP_REG ? arg_index(src->reg) : -1;
		return from >= 0 && src->size == 8 && dst->size == 8 ? ar->v[from] : V_OTHER;
	case X86_INS_LEA:
		return src->type == X86_OP_MEM && src->mem.base == X86_REG_RSP &&
		       src->mem.index == X86_REG_INVALID && dst->size == 8 ? V_STACK : V_OTHER;
	case X86_INS_MOVSXD:
		return is_reg(dst, X86_REG_RDX) && is_reg(src, X86_REG_EDX) &&
		       ar->v[A_RDX] == V_ARG2 ? V_NUM_WIDE : V_OTHER;
	case X86_INS_XOR:	/* xor r32, r32: zero, upper half too */
		return src->type == X86_OP_REG && src->reg == dst->reg && dst->size >= 4 ? V_ZERO
											   : V_OTHER;
	default:
		return V_OTHER;
	}
}

/* Follows IN's effect on the argument registers: what it moves, else what it clobbers. */
static int track_args(const struct cs *cs, const cs_insn *in, struct arg_regs *ar)
{
	const cs_x86 *x = &in->detail->x86;
	enum arg_val v = moved_value(ar, in);
	cs_regs rd, wr;
	uint8_t nrd, nwr;
	int dst;

	if (cs->regs_access(cs->h, in, rd, &nrd, wr, &nwr))
		return -EINVAL;
	for (uint8_t i = 0; i < nwr; i++) {
		dst = arg_index(wr[i]);
		if (dst >= 0)
			ar->v[dst] = V_OTHER;
	}
	if (v != V_OTHER && (dst = arg_index(x->operands[0].reg)) >= 0)
		ar->v[dst] = v;
	return 0;
}

/* Decodes into IN the instruction at OFF, or the one after it when that is
 * an endbr64 (CET builds start every function and PLT stub with one). */
static int first_insn(const struct cs *cs, struct elf_file *ef, uint64_t off, cs_insn *in)
{
	uint8_t code[16];
	const uint8_t *p = code;
	size_t left = sizeof(code);
	uint64_t addr = off;

	if (elf_file__read_text(ef, off, code, sizeof(code)))
		return -ENOENT;
	for (int i = 0; i < 2 && cs->disasm_iter(cs->h, &p, &left, &addr, in); i++) {
		if (in->id != X86_INS_ENDBR64)
			return 0;
	}
	return -ENOENT;
}

/* A rip-relative indirect jump's slot (a PLT stub: `[endbr64;] [bnd] jmp *slot(%rip)`). */
static int plt_slot(const struct cs *cs, struct elf_file *ef, uint64_t off, uint64_t *slot)
{
	cs_insn *in = cs->malloc(cs->h);
	const cs_x86_op *op;
	int err = -ENOENT;

	if (in && !first_insn(cs, ef, off, in)) {
		op = &in->detail->x86.operands[0];
		if (in->id == X86_INS_JMP && in->detail->x86.op_count == 1 &&
		    op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP &&
		    op->mem.index == X86_REG_INVALID) {
			*slot = in->address + in->size + op->mem.disp;
			err = 0;
		}
	}
	if (in)
		cs->free(in, 1);
	return err;
}

/* Where a direct jump at the end of a wrapper leads: through the PLT to a
 * function this file defines (3.2+'s SSL_write_ex jumps to SSL_write_ex2),
 * or straight to TARGET. */
static uint64_t jump_target(const struct cs *cs, struct elf_file *ef, uint64_t target)
{
	uint64_t slot, off;

	if (!plt_slot(cs, ef, target, &slot))
		return elf_file__got_target(ef, target, slot, &off) ? 0 : off;
	return target;
}

/*
 * The direct call the wrapper at OFF makes, followed through at most one
 * direct jump (a tail call): its target, its return address, and what the
 * argument registers hold at the call. A jcc is taken to lead to an error
 * path; any other branch, or a return, ends the walk without a call.
 */
static int wrapper_call(const struct cs *cs, struct elf_file *ef, uint64_t off,
			struct wrapper_call *wc)
{
	uint8_t code[WRAPPER_BYTES];
	const uint8_t *p;
	size_t left;
	uint64_t addr;
	cs_insn *in = cs->malloc(cs->h);
	int err = -ENOENT, jumps = 0;

	wc->args = (struct arg_regs){ { V_ARG0, V_ARG1, V_ARG2, V_ARG3, V_OTHER } };
	if (!in)
		return -ENOMEM;
again:
	if (elf_file__read_text(ef, off, code, sizeof(code)))
		goto out;
	p = code;
	left = sizeof(code);
	addr = off;
	for (int i = 0; i < WRAPPER_INSNS && cs->disasm_iter(cs->h, &p, &left, &addr, in); i++) {
		const cs_x86 *x = &in->detail->x86;
		bool imm = x->op_count == 1 && x->operands[0].type == X86_OP_IMM;

		if (in->id == X86_INS_CALL && imm) {
			wc->target = x->operands[0].imm;
			wc->ret = in->address + in->size;
			err = 0;
		} else if (in->id == X86_INS_JMP && imm && !jumps++) {
			off = jump_target(cs, ef, x->operands[0].imm);
			if (off)
				goto again;
		} else if (cs_insn_group_of(in, X86_GRP_JUMP) && in->id != X86_INS_JMP) {
			continue;	/* jcc: flags only */
		} else if (!cs_insn_group_of(in, X86_GRP_CALL) && !cs_insn_group_of(in, X86_GRP_RET) &&
			   !cs_insn_group_of(in, X86_GRP_JUMP) && !track_args(cs, in, &wc->args)) {
			continue;
		}
		break;
	}
out:
	cs->free(in, 1);
	return err;
}

/*
 * The instruction to probe at the start of the internal function: its
 * first, or the one after an endbr64 (CET builds, 3.5+ on Debian 13), which
 * changes no register; the kernel emulates a push of a register instead of
 * single-stepping it. The stack pointer is still the caller's there, so a
 * return probe works as at the entry.
 */
static int emulated_start(const struct cs *cs, struct elf_file *ef, uint64_t off, uint64_t *at)
{
	cs_insn *in = cs->malloc(cs->h);
	int err = -ENOENT;

	if (in && !first_insn(cs, ef, off, in) && in->id == X86_INS_PUSH &&
	    in->detail->x86.op_count == 1 && in->detail->x86.operands[0].type == X86_OP_REG) {
		*at = in->address;
		err = 0;
	}
	if (in)
		cs->free(in, 1);
	return err;
}

/*
 * The register that carries the count pointer into the internal function
 * (rcx through 3.1; r8 from 3.2, after a flags argument), the same for
 * both wrappers: the _ex wrapper's own pointer, and one into the plain
 * wrapper's frame. -1 when the calls do not pass the same arguments.
 */
static int count_reg(const struct arg_regs *plain, const struct arg_regs *ex)
{
	if (plain->v[A_RDI] != V_ARG0 || plain->v[A_RSI] != V_ARG1 ||
	    (plain->v[A_RDX] != V_NUM_WIDE && plain->v[A_RDX] != V_ARG2))
		return -1;
	if (ex->v[A_RDI] != V_ARG0 || ex->v[A_RSI] != V_ARG1 || ex->v[A_RDX] != V_ARG2)
		return -1;
	for (int r = A_RCX; r <= A_R8; r++) {
		if (ex->v[r] == V_ARG3 && plain->v[r] == V_STACK)
			return r;
	}
	return -1;
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
	struct wrapper_call p, x;
	int reg;

#if !defined(__x86_64__)
	return -ENOENT;
#endif
	if (!plain || !ex)
		return -ENOENT;
	if (!loaded.dl && cs_load(&loaded))
		return -ENOENT;
	if (wrapper_call(&loaded, ef, plain, &p) || wrapper_call(&loaded, ef, ex, &x) ||
	    p.target != x.target)
		return -ENOENT;
	reg = count_reg(&p.args, &x.args);
	if (reg < 0 || emulated_start(&loaded, ef, x.target, &out->off))
		return -ENOENT;
	out->ex_ret = x.ret;
	out->count_in_r8 = reg == A_R8;
	return 0;
}
