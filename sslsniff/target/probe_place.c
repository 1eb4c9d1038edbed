// SPDX-License-Identifier: GPL-2.0
/* Probe placement: OpenSSL's internal read/write functions, found by decoding. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
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
	out->fn = x.target;
	out->ex_ret = x.ret;
	out->count_in_r8 = reg == A_R8;
	return 0;
}

/*
 * Return instructions. A function's calls end at its `ret`s (any form:
 * `ret`, `ret $imm16`, `repz ret`), at those of what it tail-jumps to
 * (directly, through the PLT to a function of the same file, or into a
 * fragment such as gcc's .cold parts), and nowhere else. Code with a sized
 * symbol is swept linearly, which also covers the targets of its jump
 * tables (`notrack jmp *`); code without one (a static tail-callee, a
 * fragment, OpenSSL's internal function) is followed branch by branch.
 * Anything else that leaves the code (an indirect jump that is not a jump
 * table, a tail call to another file) makes the answer uncertain.
 */
#define RET_REGIONS	256	/* stretches of code walked */
#define RET_TODO	256	/* branch targets waiting */
#define RET_INSNS	(1 << 17)
#define RET_SWEEP_MAX	(1 << 20)	/* bytes of one function */
#define RET_CHUNK	4096

struct ret_region {
	uint64_t start, end;
};

/*
 * gcc's position-independent jump table, as the sweep sees it coming:
 * `cmp $max,...; ja default` bounds it, `lea table(%rip),%rB`,
 * `movslq (%rB,%rI,4),%rD`, `add %rB,%rD`, then `jmp *%rD`.
 */
struct ret_table {
	int64_t max;		/* -1: no bound seen */
	uint64_t table;		/* from the lea */
	x86_reg base, dst;	/* the lea's, the movslq's */
	int stage;		/* 1: lea, 2: movslq, 3: add */
};

struct ret_walk {
	const struct cs *cs;
	struct elf_file *ef;
	cs_insn *in;
	uint64_t sweep_start, sweep_end;	/* the sized function being swept */
	int64_t cmp_max;	/* the last `cmp $imm` (-1: none) */
	struct ret_table jt;
	struct ret_region reg[RET_REGIONS];
	int nr_reg;
	uint64_t todo[RET_TODO];
	int nr_todo;
	struct probe_returns *out;
	long insns;
};

static bool ret_covered(const struct ret_walk *w, uint64_t at)
{
	for (int i = 0; i < w->nr_reg; i++) {
		if (at >= w->reg[i].start && at < w->reg[i].end)
			return true;
	}
	return false;
}

static int ret_fail(struct ret_walk *w, const char *why, uint64_t at)
{
	w->out->why = why;
	w->out->why_at = at;
	return -ENOENT;
}

static int ret_push(struct ret_walk *w, uint64_t target)
{
	if (ret_covered(w, target))
		return 0;
	if (w->nr_todo == RET_TODO)
		return ret_fail(w, "too many branches", target);
	w->todo[w->nr_todo++] = target;
	return 0;
}

static int ret_add(struct ret_walk *w, uint64_t at)
{
	for (size_t i = 0; i < w->out->n; i++) {
		if (w->out->off[i] == at)
			return 0;
	}
	if (w->out->n == PROBE_MAX_RETURNS)
		return ret_fail(w, "too many return instructions", at);
	w->out->off[w->out->n++] = at;
	return 0;
}

static int ret_region(struct ret_walk *w, uint64_t start, uint64_t end)
{
	if (w->nr_reg == RET_REGIONS)
		return ret_fail(w, "too much code", start);
	w->reg[w->nr_reg++] = (struct ret_region){ start, end };
	return 0;
}

/* Follows the jump-table pattern through IN (swept code only). */
static void ret_track_table(struct ret_walk *w, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *a = &x->operands[0], *b = &x->operands[1];
	struct ret_table *t = &w->jt;

	if (in->id == X86_INS_CMP && x->op_count == 2 && b->type == X86_OP_IMM) {
		w->cmp_max = b->imm;
		return;
	}
	if (in->id == X86_INS_JA) {
		t->max = w->cmp_max;
		return;
	}
	if (x->op_count != 2 || a->type != X86_OP_REG)
		goto other;
	if (in->id == X86_INS_LEA && b->type == X86_OP_MEM && b->mem.base == X86_REG_RIP &&
	    b->mem.index == X86_REG_INVALID) {
		t->table = in->address + in->size + b->mem.disp;
		t->base = a->reg;
		t->stage = 1;
		return;
	}
	if (t->stage == 1 && in->id == X86_INS_MOVSXD && b->type == X86_OP_MEM &&
	    b->mem.base == t->base && b->mem.scale == 4 && !b->mem.disp) {
		t->dst = a->reg;
		t->stage = 2;
		return;
	}
	if (t->stage == 2 && in->id == X86_INS_ADD && a->reg == t->dst &&
	    b->type == X86_OP_REG && b->reg == t->base) {
		t->stage = 3;
		return;
	}
other:
	if (in->id != X86_INS_MOV && t->stage)
		t->stage = 0;	/* a mov of the index may come between; nothing else */
}

/*
 * A jump table's targets, when the pattern and its bound are certain: each
 * must be inside the function being swept, which covers them. 0 or -ENOENT.
 */
static int ret_table_inside(struct ret_walk *w, const cs_insn *in)
{
	const struct ret_table *t = &w->jt;
	int32_t e[64];
	int64_t n = t->max + 1;

	if (t->stage != 3 || t->max < 0 || n > 64 ||
	    in->detail->x86.operands[0].type != X86_OP_REG ||
	    in->detail->x86.operands[0].reg != t->dst ||
	    elf_file__read_ref(w->ef, in->address, t->table, e, n * sizeof(e[0])))
		return -ENOENT;
	for (int64_t i = 0; i < n; i++) {
		uint64_t to = t->table + e[i];

		if (to < w->sweep_start || to >= w->sweep_end)
			return -ENOENT;
	}
	return 0;
}

enum ret_step {
	STEP_ON,	/* the next instruction follows */
	STEP_END,	/* the path ends here */
};

/*
 * One instruction's part in the walk: a return recorded, a branch target
 * queued. SWEPT: inside a sized function, where a jump table's targets are
 * in the sweep.
 */
static int ret_insn(struct ret_walk *w, const cs_insn *in, bool swept)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *op = &x->operands[0];
	uint64_t slot, off;
	int err;

	if (++w->insns > RET_INSNS)
		return ret_fail(w, "too much code", in->address);
	if (swept && in->id != X86_INS_JMP)
		ret_track_table(w, in);
	switch (in->id) {
	case X86_INS_RET:
		err = ret_add(w, in->address);
		return err ? err : STEP_END;
	case X86_INS_RETF: case X86_INS_IRET: case X86_INS_IRETD: case X86_INS_IRETQ:
	case X86_INS_LJMP: case X86_INS_SYSRET: case X86_INS_SYSEXIT:
		return ret_fail(w, "far return or jump", in->address);
	case X86_INS_HLT: case X86_INS_UD2: case X86_INS_INT3:
		return STEP_END;
	default:
		break;
	}
	if (!cs_insn_group_of(in, X86_GRP_JUMP))
		return STEP_ON;
	if (x->op_count == 1 && op->type == X86_OP_IMM) {
		err = ret_push(w, op->imm);
		return err ? err : in->id == X86_INS_JMP ? STEP_END : STEP_ON;
	}
	if (in->id != X86_INS_JMP)
		return ret_fail(w, "indirect branch", in->address);
	/* `jmp *slot(%rip)`: a tail call through the GOT (-fno-plt). */
	if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP &&
	    op->mem.index == X86_REG_INVALID) {
		slot = in->address + in->size + op->mem.disp;
		if (elf_file__got_target(w->ef, in->address, slot, &off))
			return ret_fail(w, "tail call to another file", in->address);
		err = ret_push(w, off);
		return err ? err : STEP_END;
	}
	/* A jump table (`notrack` in CET builds), whose targets the sweep covers. */
	if (swept && !ret_table_inside(w, in))
		return STEP_END;
	return ret_fail(w, "indirect jump", in->address);
}

/* Decodes from AT until the path ends; SWEEP_END: a sized function's end,
 * swept whatever ends a path (0: follow one path). */
static int ret_walk_code(struct ret_walk *w, uint64_t at, uint64_t sweep_end)
{
	uint8_t code[RET_CHUNK];
	uint64_t start = at, addr;
	const uint8_t *p;
	size_t left, len;
	int step;

	/* A sweep's own jumps are inside what it covers: not queued. */
	if (sweep_end && ret_region(w, start, sweep_end))
		return -ENOENT;
	w->sweep_start = start;
	w->sweep_end = sweep_end;
	w->cmp_max = -1;
	w->jt = (struct ret_table){ .max = -1 };
	for (;;) {
		len = sweep_end ? sweep_end - at : RET_CHUNK;
		if (len > RET_CHUNK)
			len = RET_CHUNK;
		while (len && elf_file__read_text(w->ef, at, code, len))
			len /= 2;
		if (!len)
			return ret_fail(w, "code outside the file's text", at);
		p = code;
		left = len;
		addr = at;
		while (left) {
			if (!sweep_end && addr != start && ret_covered(w, addr))
				return ret_region(w, start, addr);
			if (!w->cs->disasm_iter(w->cs->h, &p, &left, &addr, w->in))
				break;
			step = ret_insn(w, w->in, sweep_end);
			if (step < 0)
				return step;
			if (sweep_end && addr >= sweep_end)
				return 0;
			if (!sweep_end && step == STEP_END)
				return ret_region(w, start, addr);
		}
		if (addr == at)
			return ret_fail(w, "undecodable instruction", at);
		at = addr;	/* an instruction cut by the chunk's end: again from it */
	}
}

/* The code at TARGET: a PLT stub's function, a sized function, or a path. */
static int ret_walk_target(struct ret_walk *w, uint64_t target)
{
	uint64_t slot, start, size;

	if (ret_covered(w, target))
		return 0;
	if (!plt_slot(w->cs, w->ef, target, &slot)) {
		if (elf_file__got_target(w->ef, target, slot, &start))
			return ret_fail(w, "tail call to another file", target);
		/* The stub itself is covered: a second jump to it ends there. */
		if (ret_region(w, target, target + 1))
			return -ENOENT;
		return ret_push(w, start);
	}
	if (!elf_file__func_at(w->ef, target, &start, &size)) {
		if (size > RET_SWEEP_MAX)
			return ret_fail(w, "function too large", start);
		return ret_walk_code(w, start, start + size);
	}
	return ret_walk_code(w, target, 0);
}

int probe_place_returns(struct elf_file *ef, uint64_t fn, struct probe_returns *out)
{
	struct ret_walk *w;
	int err = -ENOENT;

	out->n = 0;
	out->why = "no decoder (capstone)";
	out->why_at = fn;
#if !defined(__x86_64__)
	out->why = "not x86-64";
	return -ENOENT;
#endif
	if (!loaded.dl && cs_load(&loaded))
		return -ENOENT;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cs = &loaded;
	w->ef = ef;
	w->out = out;
	w->in = loaded.malloc(loaded.h);
	if (!w->in)
		goto out;
	w->todo[w->nr_todo++] = fn;
	while (w->nr_todo) {
		err = ret_walk_target(w, w->todo[--w->nr_todo]);
		if (err)
			break;
	}
	if (!err && !out->n)
		err = ret_fail(w, "no return instruction", fn);
	loaded.free(w->in, 1);
out:
	free(w);
	if (err)
		out->n = 0;
	return err;
}
