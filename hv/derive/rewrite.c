// SPDX-License-Identifier: GPL-2.0
/*
 * The SVM rewriter.  Each non-stack memory operand becomes
 *
 *	leaq	EA, %rA			effective address (or movq $sym, %rA)
 *	movq	%rA, %rB		TLB index: (page & (N-1)) * 32
 *	shrq	$7, %rB
 *	andl	$MASK, %eB
 *	addq	__svm_tlbp(%rip), %rB	entry = tlb + index
 *	subq	(%rB), %rA		offset in page if the tag matches
 *					(16(%rB), the write tag, for writes)
 *	cmpq	$(4096-size), %rA	whole access inside that page?
 *	ja	.Lsvm_miss_N
 *	addq	8(%rB), %rA		host address of the page + offset
 *	INSN with (%rA)
 *
 * and an out-of-line miss path that calls __svm_miss (which handles pages
 * not yet in the TLB, page-crossing accesses and refusals) and re-executes
 * the instruction.  Scratch registers are dead ones where liveness proves
 * it, else saved; flags are saved only when live.
 *
 * With --thunks (default: outside tight loops) the probe is out of line:
 * "leaq EA, %rA; call __svm_p{r,w}SIZE_A_B; INSN with (%rA)", one thunk per
 * read/write, size and register pair holding the probe and the miss path;
 * a thunked write also gets a fix-up path for a bounced page-crossing
 * write, which the runtime returns to instead (see emit_thunks()).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "twinc.h"

#define MISS_MAX (8 << 20)
#define THUNK_MAX 63		/* bytes a thunk probes: what the runtime's info word holds */

struct ctx {
	struct program *p;
	struct policy *pol;
	struct options *opt;
	struct stats *st;
	FILE *out;
	char *miss;		/* out-of-line miss paths */
	size_t misslen;
	int site;
	/* jump-label and BUG annotations, by statement index */
	int *jl_target;		/* label statement index of l_yes, or -1 */
	char (*jl_key)[128];
	int *jl_branch;
	long *bug_info;		/* line | flags << 16, or -1 */
	int *chunk;		/* read-only data object of a statement, or -1 */
	bool *keep;		/* by chunk (label statement index): referenced */
	bool *in_loop;		/* statement lies between a label and a jump back to it */
	unsigned char thunk_used[2][16][16][THUNK_MAX + 1];	/* [write][rA][rB][size] */
	unsigned char thunk_q[THUNK_MAX + 1];	/* read thunks saving %r10, by size */
	bool tg_ok[3][THUNK_MAX + 1];	/* range sizes thunk groups may use [q, w][size] */
	int *wfix;		/* sites of thunked writes (fix-up table) */
	int nwfix;
};

static void missf(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void missf(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->miss + c->misslen, MISS_MAX - c->misslen, fmt, ap);
	va_end(ap);
	if (n > 0 && c->misslen + n < MISS_MAX)
		c->misslen += n;
}

/*
 * --count-hits: one increment of the runtime's u64 __svm_hits on the hit
 * path of every probe, right after its "ja" to the miss path.  The probe
 * has already clobbered the flags there (a site whose flags are live saves
 * them around the whole probe), so the increment changes nothing else.
 */
static const char *hit_count(struct ctx *c)
{
	return c->opt->count_hits ? "\tincq\t" SVM_HITS "(%rip)\n" : "";
}

static void sym_of(const char *expr, char *out, size_t n)
{
	size_t i = 0;

	while (*expr && (isalnum((unsigned char)*expr) || *expr == '_' ||
			 *expr == '.' || *expr == '$') && i + 1 < n)
		out[i++] = *expr++;
	out[i] = 0;
}

static void fmt_op(const struct operand *o, char *buf, size_t n)
{
	char b[64] = "", ix[64] = "";

	switch (o->kind) {
	case OP_REG:
		snprintf(buf, n, "%s%%%s%s", o->star ? "*" : "",
			 o->high ? (const char *[]){ "a", "c", "d", "b" }[o->reg] :
			 reg_name(o->reg, o->width), o->high ? "h" : "");
		return;
	case OP_IMM:
		snprintf(buf, n, "$%s", o->text);
		return;
	case OP_SYM:
		snprintf(buf, n, "%s%s", o->star ? "*" : "", o->text);
		return;
	case OP_MEM:
		if (o->base >= 0)
			snprintf(b, sizeof(b), "%%%s", reg_name(o->base, 8));
		if (o->index >= 0)
			snprintf(ix, sizeof(ix), ",%%%s,%d",
				 reg_name(o->index, 8), o->scale);
		if (o->base < 0 && o->index < 0)
			snprintf(buf, n, "%s%s%s%s%s", o->star ? "*" : "",
				 o->seg[0] ? "%" : "", o->seg, o->seg[0] ? ":" : "",
				 o->disp);
		else
			snprintf(buf, n, "%s%s%s%s%s(%s%s)", o->star ? "*" : "",
				 o->seg[0] ? "%" : "", o->seg, o->seg[0] ? ":" : "",
				 o->disp, b, ix);
		return;
	default:
		buf[0] = 0;
	}
}

/*
 * movabs's memory form takes only an absolute address (moffs): once an
 * access is rewritten to go through a register, it is a plain mov.
 */
static const char *mnemonic(const struct stmt *s, char *buf, size_t n)
{
	int i;

	if (strncmp(s->name, "movabs", 6))
		return s->name;
	for (i = 0; i < s->nops; i++)
		if (s->op[i].kind == OP_MEM && (s->op[i].base >= 0 || s->op[i].index >= 0)) {
			snprintf(buf, n, "mov%s", s->name + 6);
			return buf;
		}
	return s->name;
}

static void fmt_insn(const struct stmt *s, char *buf, size_t n)
{
	char name[16];
	size_t len;
	int i;

	len = snprintf(buf, n, "\t%s%s%s", s->prefix, s->prefix[0] ? " " : "",
		       mnemonic(s, name, sizeof(name)));
	for (i = 0; i < s->nops && len < n; i++) {
		char o[256];

		fmt_op(&s->op[i], o, sizeof(o));
		len += snprintf(buf + len, n - len, "%s%s", i ? ", " : "\t", o);
	}
}

static bool is_rodata_sym(struct program *p, const char *sym)
{
	int l = label_stmt(p, sym);

	return l >= 0 && p->sec[p->st[l].section].ro;
}

static bool writes_mem(const struct stmt *s, int mi)
{
	if (mi >= 0 && !strncmp(s->name, "xchg", 4))	/* either operand order */
		return true;
	return mi == s->nops - 1 && (s->isa->flags & (I_DSTW | I_DSTRW));
}

/* Scratch register choice: dead registers first, saved ones otherwise. */
static int pick_scratch(struct ctx *c, int i, const struct stmt *s, int n,
			int *regs, bool *saved, bool allow_save)
{
	static const int order[] = { 11, 10, 9, 8, 0, 1, 2, 6, 7, 3, 5, 12,
				     13, 14, 15 };
	bool impl = (s->isa->flags & I_IMPL) && !(s->isa->flags & I_CALL);
	/* the probe runs before the call, which reads its argument registers
	 * (and %al, a varargs callee's count): liveness after the call says
	 * nothing about them */
	bool call = s->isa->flags & I_CALL;
	int k, got = 0;

	for (k = 0; k < 15 && got < n; k++) {
		int r = order[k];

		if (stmt_mentions_reg(s, r))
			continue;
		if (impl && (r <= 2 || r == 6 || r == 7))
			continue;
		if (call && (r == 0 || r == 1 || r == 2 || r == 6 || r == 7 || r == 8 || r == 9))
			continue;
		/* a jump label has two successors: l_yes must agree */
		if (reg_dead_after(c->p, i, r) &&
		    (c->jl_target[i] < 0 || reg_dead_at(c->p, c->jl_target[i], r))) {
			regs[got] = r;
			saved[got++] = false;
		}
	}
	for (k = 0; k < 15 && got < n; k++) {
		int r = order[k], j;
		bool taken = false;

		for (j = 0; j < got; j++)
			taken |= regs[j] == r;
		if (taken || stmt_mentions_reg(s, r) ||
		    (impl && (r <= 2 || r == 6 || r == 7)) ||
		    (call && (r <= 2 || r == 6 || r == 7 || r == 8 || r == 9)))
			continue;
		if (!allow_save)
			return -1;
		regs[got] = r;
		saved[got++] = true;
	}
	return got == n ? 0 : -1;
}

/*
 * Does s read register r other than in its memory operand (which the
 * site's lea consumes before the thunk runs)?  A destination it only
 * writes, in full, is not a read; a partial one is (the rest stays).
 */
static bool reads_beside_mem(const struct stmt *s, int r)
{
	int k;

	for (k = 0; k < s->nops; k++) {
		const struct operand *o = &s->op[k];

		if (o->kind != OP_REG || o->reg != r)
			continue;
		if (k == s->nops - 1 && (s->isa->flags & I_DSTW) && o->width >= 4)
			continue;
		return true;
	}
	return false;
}

static bool writes_dest(const struct stmt *s, int r)
{
	const struct operand *o = s->nops ? &s->op[s->nops - 1] : NULL;

	return o && o->kind == OP_REG && o->reg == r && o->width >= 4 &&
	       (s->isa->flags & (I_DSTW | I_DSTRW));
}

/*
 * The thunk registers: every thunked site uses %r11 for the address and
 * %r10 as the thunk's scratch, saving either around the site when it is
 * live (a read thunk "__svm_qr" keeps %r10 itself instead), so that e1000
 * needs a few dozen thunks instead of one per register pair.  The
 * instruction may name them in its memory operand (the lea has used them
 * by the time the thunk runs) and as a destination it writes in full (no
 * save then: the old value is dead); a read of %r10 needs a qr thunk.  Not
 * for a read of %r11, or an instruction that sees %rsp (a push would move
 * it; an address D(%rsp,...) formed by the site's lea is corrected), or a
 * call (nothing may stay pushed across it) with one of them live: those
 * sites choose freely.
 */
static bool thunk_regs(struct ctx *c, int i, const struct stmt *s, bool is_call,
		       bool sees_rsp, bool write, bool *save_a, bool *save_b, bool *keep_b)
{
	bool dead_a, dead_b, read_b = reads_beside_mem(s, 10);

	if (reads_beside_mem(s, 11) || (read_b && (write || is_call)) ||
	    ((s->isa->flags & I_IMPL) && !(s->isa->flags & I_CALL)))
		return false;
	dead_a = writes_dest(s, 11) ||
		 (reg_dead_after(c->p, i, 11) &&
		  (c->jl_target[i] < 0 || reg_dead_at(c->p, c->jl_target[i], 11)));
	dead_b = writes_dest(s, 10) ||
		 (reg_dead_after(c->p, i, 10) &&
		  (c->jl_target[i] < 0 || reg_dead_at(c->p, c->jl_target[i], 10)));
	if ((!dead_a || (!dead_b && !read_b)) && (is_call || sees_rsp))
		return false;
	*save_a = !dead_a;
	*save_b = !dead_b && !read_b;
	*keep_b = read_b;
	return true;
}

enum ea_kind { EA_LEA, EA_ABS, EA_PCPU_VM };

/* Is the symbol of expr data that the instance's own object defines? */
static bool own_sym(struct ctx *c, const char *expr)
{
	char sym[128];

	sym_of(expr, sym, sizeof(sym));
	if (!sym[0] || isdigit((unsigned char)sym[0]))
		return false;
	if (is_rodata_sym(c->p, sym))
		return true;
	return c->opt->test_mode && label_stmt(c->p, sym) >= 0;
}

/*
 * sym(,%idx,s) on the instance's own data: inside Xen it is not in the top
 * 2 GB, so the address is formed rip-relative in two steps, and the first
 * overwrites the destination: the index must not be that register.
 */
static bool ea_rip_indexed(struct ctx *c, const struct operand *o,
			   enum ea_kind k)
{
	return k == EA_LEA && o->base < 0 && o->index >= 0 &&
	       own_sym(c, o->disp);
}

/* %gs:sym(%b,%x,s), not %gs:sym or the kernel's %gs:sym(%rip) */
static bool pcpu_with_regs(const struct operand *o)
{
	return (o->base >= 0 && o->base != REG_RIP) || o->index >= 0;
}

/* Emit (to the main stream or the miss path) the EA computation into rA. */
static void emit_ea(struct ctx *c, bool to_miss, const struct operand *o,
		    enum ea_kind k, int rA, int bitreg, int bitw, int rC)
{
	char buf[512], m[256];
	struct operand t = *o;

	t.star = false;
	if (k == EA_ABS) {
		snprintf(buf, sizeof(buf), "\tmovq\t$%s, %%%s\n", o->disp,
			 reg_name(rA, 8));
	} else if (k == EA_PCPU_VM && pcpu_with_regs(o)) {
		/* %gs:sym(%b,%x,s): the registers' part first, then the base
		 * (the flags are saved already when live: the probe clobbers
		 * them anyway) */
		t.seg[0] = 0;
		fmt_op(&t, m, sizeof(m));
		snprintf(buf, sizeof(buf),
			 "\tleaq\t%s, %%%s\n"
			 "\taddq\t__twin_vm_percpu_base(%%rip), %%%s\n", m,
			 reg_name(rA, 8), reg_name(rA, 8));
	} else if (k == EA_PCPU_VM) {
		snprintf(buf, sizeof(buf),
			 "\tmovq\t__twin_vm_percpu_base(%%rip), %%%s\n"
			 "\tleaq\t%s(%%%s), %%%s\n", reg_name(rA, 8), o->disp,
			 reg_name(rA, 8), reg_name(rA, 8));
	} else if (ea_rip_indexed(c, o, k)) {
		snprintf(buf, sizeof(buf), "\tleaq\t%s(%%rip), %%%s\n"
			 "\tleaq\t(%%%s,%%%s,%d), %%%s\n", o->disp,
			 reg_name(rA, 8), reg_name(rA, 8), reg_name(o->index, 8),
			 o->scale, reg_name(rA, 8));
	} else {
		t.seg[0] = 0;
		fmt_op(&t, m, sizeof(m));
		snprintf(buf, sizeof(buf), "\tleaq\t%s, %%%s\n", m,
			 reg_name(rA, 8));
	}
	if (bitreg >= 0) {
		/* bt* with a register bit offset reaches EA + (off >> log2(bits)) * w */
		int sh = bitw == 8 ? 6 : bitw == 4 ? 5 : 4;
		size_t l = strlen(buf);

		snprintf(buf + l, sizeof(buf) - l,
			 "\t%s\t%%%s, %%%s\n"
			 "\tsarq\t$%d, %%%s\n"
			 "\tleaq\t(%%%s,%%%s,%d), %%%s\n",
			 bitw == 8 ? "movq" : "movslq",
			 reg_name(bitreg, bitw == 8 ? 8 : 4), reg_name(rC, 8), sh,
			 reg_name(rC, 8), reg_name(rA, 8), reg_name(rC, 8), bitw,
			 reg_name(rA, 8));
	}
	if (to_miss)
		missf(c, "%s", buf);
	else
		fputs(buf, c->out);
}

static int rewrite_mem(struct ctx *c, int i, struct stmt *s, int mi, int opsize);
static bool numeric(const char *s);

/*
 * pushq M / popq M: a slot moved by hand and a movq through a register
 * the instruction does not name, saved around it, which rewrite_mem
 * translates like any other access:
 *	pushq M:  leaq -8(%rsp),%rsp; pushq %rV; movq M,%rV;
 *		  movq %rV,8(%rsp); popq %rV
 *	popq M:   pushq %rV; movq 8(%rsp),%rV; movq %rV,M; popq %rV;
 *		  leaq 8(%rsp),%rsp
 * lea keeps the flags.  M = D(%rsp) (a struct argument copied from the
 * stack) is a stack access, kept, D 16 bytes further (the slot's lea and
 * the saved register; for pop, from %rsp after the pop, as the CPU
 * computes it); M addressed by %rsp otherwise is refused.
 */
static int rewrite_pushpop_mem(struct ctx *c, int i, struct stmt *s, int mi, int size)
{
	static const char *const regs[] = { "%rax", "%rcx", "%rdx" };
	const struct operand *o = &s->op[mi];
	bool push = !strncmp(s->name, "push", 4);
	bool on_stack = o->base == REG_RSP && o->index < 0 && !o->seg[0] && numeric(o->disp);
	struct stmt t = *s;
	int v, opsize;

	if (size != 8 || strncmp(s->name, push ? "push" : "pop", push ? 4 : 3) ||
	    s->nops != 1) {
		err_at(c->p->path, s->line, "'%s' of a memory operand: only 8 bytes are supported",
		       s->name);
		return -1;
	}
	if (!on_stack && stmt_mentions_reg(s, REG_RSP)) {
		err_at(c->p->path, s->line, "'%s' of a memory operand addressed by %%rsp is not supported",
		       s->name);
		return -1;
	}
	for (v = 0; v < 3 && stmt_mentions_reg(s, v); v++)
		;
	strcpy(t.name, "movq");
	t.isa = isa_lookup("movq", &opsize);
	t.nops = 2;
	t.prefix[0] = 0;
	t.op[push ? 0 : 1] = *o;
	if (on_stack)
		snprintf(t.op[push ? 0 : 1].disp, sizeof(o->disp), "%ld", strtol(o->disp, NULL, 0) + 16);
	parse_operand(regs[v], &t.op[push ? 1 : 0]);
	if (push)
		fprintf(c->out, "\tleaq\t-8(%%rsp), %%rsp\n\tpushq\t%s\n", regs[v]);
	else
		fprintf(c->out, "\tpushq\t%s\n\tmovq\t8(%%rsp), %s\n", regs[v], regs[v]);
	if (on_stack) {
		char insn[512];

		fmt_insn(&t, insn, sizeof(insn));
		fprintf(c->out, "%s\n", insn);
		c->st->stack_sites++;
	} else if (rewrite_mem(c, i, &t, push ? 0 : 1, 8)) {
		return -1;
	}
	if (push)
		fprintf(c->out, "\tmovq\t%s, 8(%%rsp)\n\tpopq\t%s\n", regs[v], regs[v]);
	else
		fprintf(c->out, "\tpopq\t%s\n\tleaq\t8(%%rsp), %%rsp\n", regs[v]);
	return 0;
}

static int rewrite_mem(struct ctx *c, int i, struct stmt *s, int mi, int opsize)
{
	struct operand *o = &s->op[mi];
	char sym[128], insn[512];
	enum ea_kind k = EA_LEA;
	int size = operand_size(s, opsize), regs[3], nreg = 2, bitreg = -1;
	int n, site, j;
	bool saved[3], flags, is_call = s->isa->flags & I_CALL, thunked, qthunk = false;
	bool sees_rsp;
	struct operand ea = *o;
	struct stmt t;

	sym_of(o->disp, sym, sizeof(sym));
	if (o->seg[0]) {
		struct pentry *e = policy_find(c->pol, 'p', sym);

		if (!strcmp(o->seg, "fs") || !e) {
			err_at(c->p->path, s->line,
			       "per-CPU operand '%%%s:%s' not in policy", o->seg,
			       o->disp);
			return -1;
		}
		e->used = true;
		if (e->bind == P_HV && pcpu_with_regs(o)) {
			/* Xen's copy is not in the top 2 GB: no sym(%reg) form */
			err_at(c->p->path, s->line,
			       "per-CPU operand '%%%s:%s' with a register: not supported for an hv variable",
			       o->seg, o->disp);
			return -1;
		}
		if (e->bind == P_HV) {
			/* hypervisor-side emulation: the instance's own variable */
			t = *s;
			snprintf(t.op[mi].disp, sizeof(t.op[mi].disp),
				 "__twin_pcpu_%s", o->disp);
			t.op[mi].seg[0] = 0;
			t.op[mi].base = REG_RIP;
			fmt_insn(&t, insn, sizeof(insn));
			fprintf(c->out, "%s\n", insn);
			c->st->percpu_hv++;
			return 0;
		}
		k = EA_PCPU_VM;
		c->st->percpu_vm++;
	} else if (o->base < 0 && o->index < 0) {
		/* an absolute operand: the instance's own read-only data is
		 * the same rip-relative; anything else is a driver-VM address */
		if (is_rodata_sym(c->p, sym)) {
			o->base = REG_RIP;
			return rewrite_mem(c, i, s, mi, opsize);
		}
		k = EA_ABS;
	} else if (o->base == REG_RIP) {
		if (is_rodata_sym(c->p, sym)) {
			if (writes_mem(s, mi)) {
				err_at(c->p->path, s->line,
				       "write to read-only %s", sym);
				return -1;
			}
			fmt_insn(s, insn, sizeof(insn));
			fprintf(c->out, "%s\n", insn);
			c->st->rodata_sites++;
			return 0;
		}
		k = EA_ABS;
	}
	if (!strncmp(s->name, "bt", 2) && s->nops == 2 &&
	    s->op[0].kind == OP_REG) {
		bitreg = s->op[0].reg;
		nreg = 3;
	}
	if ((s->isa->flags & I_PUSHPOP))
		return rewrite_pushpop_mem(c, i, s, mi, size);
	flags = flags_live_in(c->p, i);
	/* saving anything moves %rsp, which the instruction must not see;
	 * unless its only %rsp is the base of the memory operand, whose
	 * address the site's lea forms after the pushes: it adds them back */
	sees_rsp = stmt_mentions_reg(s, REG_RSP);
	if (sees_rsp && o->base == REG_RSP && !is_call && numeric(o->disp)) {
		int k2;

		sees_rsp = false;
		for (k2 = 0; k2 < s->nops; k2++)
			if (k2 != mi && stmt_mentions_reg(&(struct stmt){ .nops = 1,
				.op = { s->op[k2] } }, REG_RSP))
				sees_rsp = true;
	}
	if (sees_rsp) {
		bool unused[3];
		int r2[3];

		if (flags || pick_scratch(c, i, s, nreg, r2, unused, false)) {
			err_at(c->p->path, s->line,
			       "'%s' uses %%rsp but needs saved state around its probe",
			       s->name);
			return -1;
		}
	}
	if (flags && getenv("TWINC_DEBUG"))	/* why the flags are kept */
		fprintf(stderr, "flags live at line %d because of line %d (%s)\n",
			s->line, c->p->st[flow_why].line, c->p->st[flow_why].name);
	/* a thunk's address register is %r11: an index in %r11 on a two-step
	 * address would be overwritten before it is read */
	thunked = c->opt->thunks && bitreg < 0 && size <= 16 &&
		  (c->opt->thunks == THUNKS_ALL || !c->in_loop[i]) &&
		  !(ea_rip_indexed(c, o, k) && o->index == 11);
	if (thunked && thunk_regs(c, i, s, is_call, sees_rsp, writes_mem(s, mi), &saved[0],
				  &saved[1], &qthunk)) {
		regs[0] = 11;
		regs[1] = 10;
		/* a read thunk can keep %r10 itself */
		if (saved[1] && !writes_mem(s, mi)) {
			qthunk = true;
			saved[1] = false;
		}
	} else if (pick_scratch(c, i, s, nreg, regs, saved, !is_call)) {
		err_at(c->p->path, s->line, "no scratch register for '%s'", s->name);
		return -1;
	} else if (regs[0] == REG_RBP || regs[1] == REG_RBP) {
		/* a thunk is a function, and returns with its caller's %rbp
		 * (the verifiers' callee-saved rule): probe in line instead */
		thunked = false;
	}
	site = c->site++;
	c->st->mem_sites++;
	if (s->prefix[0] && !strcmp(s->prefix, "lock"))
		c->st->lock_sites++;
	if (o->base == REG_RSP) {	/* what the site pushes before its lea */
		int pushed = flags ? 8 : 0;

		for (j = 0; j < nreg; j++)
			pushed += saved[j] ? 8 : 0;
		if (pushed)	/* !sees_rsp: a numeric displacement */
			snprintf(ea.disp, sizeof(ea.disp), "%ld",
				 strtol(o->disp, NULL, 0) + pushed);
	}
	if (flags)
		c->st->flags_saved++;
	for (j = 0; j < nreg; j++)
		if (saved[j]) {
			fprintf(c->out, "\tpushq\t%%%s\n", reg_name(regs[j], 8));
			c->st->scratch_pushed++;
		}
	if (flags)
		fputs("\tpushfq\n", c->out);

	/* The instruction as it runs on the translated address. */
	t = *s;
	memset(&t.op[mi], 0, sizeof(t.op[mi]));
	t.op[mi].kind = OP_MEM;
	t.op[mi].base = regs[0];
	t.op[mi].index = -1;
	if (bitreg >= 0) {
		t.op[0].reg = regs[2];
	}
	if (is_call)
		snprintf(insn, sizeof(insn), "\tmovq\t(%%%s), %%r11",
			 reg_name(regs[0], 8));
	else
		fmt_insn(&t, insn, sizeof(insn));

	/* A read outside loops: probe out of line, in a thunk shared by every
	 * site with the same registers and size (the miss path is there too:
	 * a read needs no write-back after the access). */
	if (thunked) {
		bool w = writes_mem(s, mi);

		emit_ea(c, false, &ea, k, regs[0], -1, 0, -1);
		fprintf(c->out, "\tcall\t__svm_%c%c%d_%s_%s\n", qthunk ? 'q' : 'p',
			w ? 'w' : 'r', size, reg_name(regs[0], 8), reg_name(regs[1], 8));
		if (qthunk)
			c->thunk_q[size] = 1;
		else
			c->thunk_used[w][regs[0]][regs[1]][size] = 1;
		c->st->thunk_sites++;
		if (w) {
			/* a bounced page-crossing write must be copied back
			 * after the access: the runtime sends the thunk's
			 * return to this site's fix-up path instead */
			fprintf(c->out, ".Lsvm_wret_%d:\n", site);
			missf(c, ".Lsvm_wfix_%d:\n%s%s\n\tcall\t__svm_miss_done\n"
				 "\tjmp\t.Lsvm_done_%d\n", site,
			      flags ? "\tpopfq\n" : "", insn, site);
			c->wfix[c->nwfix++] = site;
		}
		if (flags)
			fputs("\tpopfq\n", c->out);
		fprintf(c->out, "%s\n", insn);
		if (w)
			fprintf(c->out, ".Lsvm_done_%d:\n", site);
		if (is_call) {
			fputs("\tcall\t__twin_dispatch\n", c->out);
			c->st->icalls++;
		}
		for (j = nreg - 1; j >= 0; j--)
			if (saved[j])
				fprintf(c->out, "\tpopq\t%%%s\n", reg_name(regs[j], 8));
		return 0;
	}

	n = bitreg >= 0 ? (size == 8 ? 8 : size) : 0;
	emit_ea(c, false, &ea, k, regs[0], bitreg, n, regs[2]);
	fprintf(c->out,
		"\tmovq\t%%%s, %%%s\n"
		"\tshrq\t$%d, %%%s\n"
		"\tandl\t$%d, %%%s\n"
		"\taddq\t__svm_tlbp(%%rip), %%%s\n"
		"\tsubq\t%s(%%%s), %%%s\n"
		"\tcmpq\t$%d, %%%s\n"
		"\tja\t.Lsvm_miss_%d\n"
		"%s"
		"\taddq\t8(%%%s), %%%s\n",
		reg_name(regs[0], 8), reg_name(regs[1], 8),
		SVM_PAGE_SHIFT - SVM_ENTRY_SHIFT, reg_name(regs[1], 8),
		((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT, reg_name(regs[1], 4),
		reg_name(regs[1], 8),
		writes_mem(s, mi) ? SVM_WTAG : "", reg_name(regs[1], 8),
		reg_name(regs[0], 8),
		(1 << SVM_PAGE_SHIFT) - size, reg_name(regs[0], 8),
		site, hit_count(c),
		reg_name(regs[1], 8), reg_name(regs[0], 8));
	if (bitreg >= 0)
		fprintf(c->out, "\tmovl\t%%%s, %%%s\n\tandl\t$%d, %%%s\n",
			reg_name(bitreg, 4), reg_name(regs[2], 4), size * 8 - 1,
			reg_name(regs[2], 4));
	if (flags)
		fputs("\tpopfq\n", c->out);
	fprintf(c->out, "%s\n.Lsvm_done_%d:\n", insn, site);
	if (is_call) {
		fputs("\tcall\t__twin_dispatch\n", c->out);
		c->st->icalls++;
	}
	for (j = nreg - 1; j >= 0; j--)
		if (saved[j])
			fprintf(c->out, "\tpopq\t%%%s\n", reg_name(regs[j], 8));

	/* Miss path: translate through the runtime, then run the access. */
	/* rA = EA - tag here and rB still points at the entry: add the tag
	 * back rather than recompute the address (shorter, same value) */
	missf(c, ".Lsvm_miss_%d:\n\taddq\t%s(%%%s), %%%s\n", site,
	      writes_mem(s, mi) ? SVM_WTAG : "", reg_name(regs[1], 8),
	      reg_name(regs[0], 8));
	missf(c, "\tpushq\t$%d\n\tpushq\t%%%s\n\tcall\t__svm_miss\n"
		 "\tpopq\t%%%s\n\tpopq\t%%%s\n",
	      size | (writes_mem(s, mi) ? 0x40 : 0),
	      reg_name(regs[0], 8), reg_name(regs[0], 8), reg_name(regs[1], 8));
	if (bitreg >= 0)
		missf(c, "\tmovl\t%%%s, %%%s\n\tandl\t$%d, %%%s\n",
		      reg_name(bitreg, 4), reg_name(regs[2], 4), size * 8 - 1,
		      reg_name(regs[2], 4));
	if (flags)
		missf(c, "\tpopfq\n");
	/* only a write can leave a bounced page-crossing access to copy back */
	missf(c, "%s\n%s\tjmp\t.Lsvm_done_%d\n", insn,
	      writes_mem(s, mi) ? "\tcall\t__svm_miss_done\n" : "", site);
	return 0;
}

static const char *bound_name(struct ctx *c, const char *t, char *buf, size_t n)
{
	struct pentry *e = policy_find(c->pol, 'e', t);

	if (!e)
		return NULL;
	switch (e->bind) {
	case B_HV:
		return t;
	case B_UPCALL:
		snprintf(buf, n, "__upcall_%s", t);
		return buf;
	case B_STUB:
		snprintf(buf, n, "__stub_%s", t);
		return buf;
	default:
		snprintf(buf, n, "__deny_%s", t);
		return buf;
	}
}

/*
 * A jump label: jump to l_yes iff (key enabled) xor branch, testing the
 * key (struct static_key.enabled, at offset 0) through SVM.
 */
static int rewrite_jump_label(struct ctx *c, int i)
{
	struct stmt *s = &c->p->st[i];
	struct stmt t;
	char nb[200];
	int opsize;

	memset(&t, 0, sizeof(t));
	t.kind = ST_INSN;
	t.line = s->line;
	strcpy(t.name, "cmpl");
	t.isa = isa_lookup("cmpl", &opsize);
	t.nops = 2;
	parse_operand("$0", &t.op[0]);
	snprintf(nb, sizeof(nb), "%s(%%rip)", c->jl_key[i]);
	if (parse_operand(nb, &t.op[1])) {
		err_at(c->p->path, s->line, "cannot use jump label key '%s'", c->jl_key[i]);
		return -1;
	}
	if (rewrite_mem(c, i, &t, 1, 4))
		return -1;
	fprintf(c->out, "\t%s\t%s\n", c->jl_branch[i] ? "jle" : "jg",
		c->p->st[c->jl_target[i]].name);
	c->st->jump_labels++;
	return 0;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* How many low bytes of r s reads (8: all, as an address or in full). */
static int reads_low_bytes(const struct stmt *s, int r)
{
	int k, need = 0;

	for (k = 0; k < s->nops; k++) {
		const struct operand *o = &s->op[k];

		if (o->kind == OP_MEM && (o->base == r || o->index == r))
			return 8;
		if (o->kind != OP_REG || o->reg != r)
			continue;
		/* a destination written only is not read; one narrower than
		 * 4 bytes merges into the rest, which the writer keeps */
		if (k == s->nops - 1 && (s->isa->flags & I_DSTW))
			continue;
		need = max_int(need, o->high ? 2 : o->width);
	}
	return need;
}

/* How many low bytes of r s writes (8 for a 32- or 64-bit destination). */
static int writes_low_bytes(const struct stmt *s, int r)
{
	const struct operand *o = s->nops ? &s->op[s->nops - 1] : NULL;

	if (!o || o->kind != OP_REG || o->reg != r || o->high ||
	    !(s->isa->flags & (I_DSTW | I_DSTRW)))
		return 0;
	return o->width >= 4 ? 8 : o->width;
}

/*
 * Is caller-saved r certainly read after the call at i before it is
 * written?  Liveness (flow.c) cannot say: it is conservative (a walk
 * limit, section switches, every later call reading every argument
 * register), and here a false "live" refuses good code.  So only the
 * straight line after the call counts: the hazard GCC creates there is
 * caught, one behind a branch is not (make twin compiles with -fno-ipa-ra).
 */
static bool read_after_call(struct program *p, int i, int r)
{
	int j, defined = 0;	/* low bytes of r written since the call */

	for (j = i + 1; j < p->nst; j++) {
		const struct stmt *s = &p->st[j];
		unsigned f;

		if (s->kind == ST_LABEL)
			return false;
		if (s->kind != ST_INSN)
			continue;
		f = s->isa->flags;
		if (f & (I_CALL | I_JMP | I_JCC | I_RET | I_IMPL))
			return false;
		/* xor %r, %r only writes r (the zeroing idiom) */
		if ((!strncmp(s->name, "xor", 3) || !strncmp(s->name, "sub", 3)) &&
		    s->nops == 2 && s->op[0].kind == OP_REG && s->op[1].kind == OP_REG &&
		    s->op[0].reg == r && s->op[1].reg == r)
			return false;
		if (!stmt_mentions_reg(s, r))
			continue;
		if (reads_low_bytes(s, r) > defined)
			return true;
		defined = max_int(defined, writes_low_bytes(s, r));
		if (defined == 8)
			return false;
	}
	return false;
}

/*
 * Bytes of registers the prologue of i's function saves: the pushes from
 * the entry up to the first label, branch or other change of %rsp.  Those
 * slots hold the caller's registers (its %rbp among them, which the
 * verifiers' callee-saved rule follows), not locals.
 */
static int saved_regs_bytes(struct program *p, int i)
{
	int f = p->st[i].func, k, n = 0;
	bool body = false;	/* past the entry's labels */

	if (p->fn[f].parent >= 0)
		f = p->fn[f].parent;
	for (k = p->fn[f].first; k <= p->fn[f].last; k++) {
		const struct stmt *s = &p->st[k];

		if (s->kind == ST_LABEL && body)
			break;
		body |= s->kind == ST_INSN;
		if (s->kind != ST_INSN)
			continue;
		if (!strcmp(s->name, "pushq") && s->nops == 1 && s->op[0].kind == OP_REG) {
			n += 8;
			continue;
		}
		if ((s->isa->flags & (I_CALL | I_JMP | I_JCC | I_RET | I_IMPL)) ||
		    stmt_mentions_reg(s, REG_RSP))
			break;
	}
	return n;
}

/* A stack bound's failure, .Lsvm_stk_N (out of line): a fatal BUG. */
static void emit_stack_bug(struct ctx *c, int site)
{
	missf(c, ".Lsvm_stk_%d:\n\tpushq\t$0\n\tcall\t__twin_bug\n"
	      ".Lsvm_stkl_%d:\n\tjmp\t.Lsvm_stkl_%d\n", site, site, site);
}

/*
 * Does s name the index of its memory operand mi anywhere but there?  A
 * load into it, its destination written only and whole, does not count
 * (*overwritten: nothing of the index survives s).
 */
static bool index_named_otherwise(const struct stmt *s, int mi, bool *overwritten)
{
	int idx = s->op[mi].index, k;

	if (s->isa->flags & I_IMPL)
		return true;
	for (k = 0; k < s->nops; k++) {
		const struct operand *q = &s->op[k];

		if (k == mi || !operand_mentions_reg(q, idx))
			continue;
		if (k == s->nops - 1 && q->kind == OP_REG && !q->high && q->width >= 4 &&
		    (s->isa->flags & I_DSTW)) {
			*overwritten = true;
			continue;
		}
		return true;
	}
	return false;
}

/*
 * D(%rsp,%idx,S), a local array: its reach depends on data.  Bound the
 * index so that the access stays among the frame's locals, below the
 * registers the prologue saved (depth = bytes pushed and allocated since
 * the entry, saved = the prologue's pushes) and at or above %rsp:
 * 0 <= D + idx*S and D + idx*S + size <= depth - saved, i.e.
 * lo <= idx <= hi with lo = -floor(D / S), hi = (depth - saved - D - size) / S.
 * GCC indexes from a displacement past the array's start when a loop's
 * index is offset (40(%rsp,%rdi,8) for an array at 32(%rsp) and an index
 * from -1), so lo may be negative: then the index is moved by -lo for
 * the check and the access (leaq leaves the flags alone; the access's
 * displacement moves by lo*S) and moved back after it, which needs an
 * instruction that reads the index nowhere else and writes it, if at
 * all, whole as its destination (a load into it: then nothing is moved
 * back).
 *	[leaq -lo(%idx), %idx]
 *	[pushfq] cmpq $(hi - lo), %idx; ja .Lsvm_stk_N [popfq]
 *	INSN, its displacement D + lo*S
 *	[leaq lo(%idx), %idx]
 * A larger index is a fatal BUG.  The flags are kept around the check
 * when live; the access itself runs after popfq, on the same %rsp.
 */
static int rewrite_stack_index(struct ctx *c, int i, struct stmt *s, int mi, int opsize)
{
	const struct operand *o = &s->op[mi];
	int size = operand_size(s, opsize), depth = stack_depth_at(c->p, i), site;
	char insn[512], *end;
	long disp = o->disp[0] ? strtol(o->disp, &end, 0) : 0;
	long hi, lo;
	struct stmt moved;
	bool flags, overwritten = false;

	if ((o->disp[0] && *end) || depth < 0 || o->index == REG_RSP) {
		err_at(c->p->path, s->line, "cannot bound the indexed stack operand of '%s'",
		       s->name);
		return -1;
	}
	depth -= saved_regs_bytes(c->p, i);
	hi = (depth - disp - size) / o->scale;
	lo = disp > 0 ? -(disp / o->scale) : 0;
	if (depth - disp - size < 0 || disp < -4096) {
		err_at(c->p->path, s->line, "indexed stack operand of '%s' outside the frame",
		       s->name);
		return -1;
	}
	moved = *s;
	if (lo) {
		if (index_named_otherwise(s, mi, &overwritten)) {
			err_at(c->p->path, s->line, "cannot bound the indexed stack operand of '%s': "
			       "its index %%%s starts below the displacement and the instruction "
			       "uses it otherwise too", s->name, reg_name(o->index, 8));
			return -1;
		}
		snprintf(moved.op[mi].disp, sizeof(moved.op[mi].disp), "%ld", disp + lo * o->scale);
		fprintf(c->out, "\tleaq\t%ld(%%%s), %%%s\n", -lo, reg_name(o->index, 8),
			reg_name(o->index, 8));
	}
	site = c->site++;
	flags = flags_live_in(c->p, i);
	fmt_insn(&moved, insn, sizeof(insn));
	fprintf(c->out, "%s\tcmpq\t$%ld, %%%s\n\tja\t.Lsvm_stk_%d\n%s%s\n",
		flags ? "\tpushfq\n" : "", hi - lo, reg_name(o->index, 8), site,
		flags ? "\tpopfq\n" : "", insn);
	if (lo && !overwritten)
		fprintf(c->out, "\tleaq\t%ld(%%%s), %%%s\n", lo, reg_name(o->index, 8),
			reg_name(o->index, 8));
	emit_stack_bug(c, site);
	c->st->stack_sites++;
	return 0;
}

/* "subq %r, %rsp": a dynamic step (a variable-length array, alloca) */
static bool dynamic_sub(const struct stmt *s)
{
	return !strcmp(s->name, "subq") && s->nops == 2 && s->op[0].kind == OP_REG &&
	       s->op[0].width == 8 && s->op[0].reg < 16 && s->op[0].reg != REG_RSP &&
	       s->op[1].kind == OP_REG && s->op[1].reg == REG_RSP;
}

/*
 * The bound of a dynamic "subq %r, %rsp" (a variable-length array,
 * alloca): the largest multiple of 16 such that the frame, with every
 * dynamic step of the function at its bound, stays TWIN_FRAME_MARGIN
 * below TWIN_FRAME_MAX (the margin is for twinc's own pushes: scratch
 * registers, flags, a miss path's two words).  -1 if there is no room.
 */
static long vla_bound(struct program *p, int i, const struct frame *fr)
{
	int f = p->st[i].func, k, n = 0, deepest = 0;

	if (p->fn[f].parent >= 0)
		f = p->fn[f].parent;
	for (k = 0; k < p->nst; k++) {
		if (fr[k].lo < 0 || (p->st[k].func != f && (p->st[k].func < 0 ||
		    p->fn[p->st[k].func].parent != f)))
			continue;
		deepest = fr[k].hi > deepest ? fr[k].hi : deepest;
		n += p->st[k].kind == ST_INSN && dynamic_sub(&p->st[k]);
	}
	if (!n || TWIN_FRAME_MAX - TWIN_FRAME_MARGIN - deepest < 0)
		return -1;
	return (TWIN_FRAME_MAX - TWIN_FRAME_MARGIN - deepest) / n / 16 * 16;
}

/*
 * %rsp moved by a run-time amount, in a function whose %rbp is the frame
 * pointer (GCC sets one up for every such frame):
 *	subq %r, %rsp		(variable-length array, alloca)
 *		-> cmpq $BOUND, %r; ja .Lsvm_stk_N (a fatal BUG);
 *		   leaq -VLA_PAD(%rsp), %rsp; subq %r, %rsp
 *	   the pad keeps what GCC writes at (%rsp) after an empty area
 *	   ("b[0] = 1" with n = 0) off the registers the prologue saved;
 *	andq $-2^k, %rsp	(an over-aligned local): kept, up to 2^k-1 down;
 *	leaq D(%rbp), %rsp, movq %rbp, %rsp	(the epilogue): kept;
 *	movq %rX, %rsp, leaq D(%rX), %rsp	(a scope's saved %rsp, GCC's
 *	   stack_restore): rX held %rsp of an exact depth; the verifiers
 *	   trust only the frame pointer across calls, so it becomes
 *	   leaq D'(%rbp), %rsp for the same value.
 * The flags are dead at each (cmpq only precedes subq, which sets them).
 */
static int rewrite_rsp(struct ctx *c, int i)
{
	struct program *p = c->p;
	struct stmt *s = &p->st[i];
	const struct operand *o = &s->op[0];
	int b, site, fail;
	const struct frame *fr = stack_frames(p, i, 0, &fail);
	long bound, d = 0;
	char insn[512], *end = "";

	if (!fr || fr[i].lo < 0) {
		err_at(p->path, s->line, "'%s' moves %%rsp so that its depth cannot be told "
		       "(line %d: an unknown step, paths that disagree, or a run-time step "
		       "in a loop): not supported", s->name,
		       fail >= 0 ? p->st[fail].line : s->line);
		return -1;
	}
	if (fr[i].sv[REG_RBP] < 0) {
		err_at(p->path, s->line, "'%s' moves %%rsp by a run-time amount while %%rbp "
		       "is not the frame pointer (GCC's DRAP: an over-aligned frame with a "
		       "variable-length array or stack arguments): not supported", s->name);
		return -1;
	}
	if (fail >= 0) {
		err_at(p->path, s->line, "'%s' moves %%rsp, and at line %d its depth can no "
		       "longer be told (an unknown step, paths that disagree, or a run-time "
		       "step in a loop): not supported", s->name, p->st[fail].line);
		return -1;
	}
	if (dynamic_sub(s)) {
		bound = vla_bound(p, i, fr);
		if (bound < 0) {
			err_at(p->path, s->line, "no room for a variable-length array: the "
			       "frame takes %d of %d bytes", fr[i].hi, TWIN_FRAME_MAX);
			return -1;
		}
		site = c->site++;
		fprintf(c->out, "\tcmpq\t$%ld, %%%s\n\tja\t.Lsvm_stk_%d\n"
			"\tleaq\t-%d(%%rsp), %%rsp\n\tsubq\t%%%s, %%rsp\n", bound,
			reg_name(o->reg, 8), site, VLA_PAD, reg_name(o->reg, 8));
		emit_stack_bug(c, site);
		c->st->vla_sites++;
		return 0;
	}
	fmt_insn(s, insn, sizeof(insn));
	if (!strcmp(s->name, "andq")) {
		fprintf(c->out, "%s\n", insn);	/* the analysis took its mask */
		return 0;
	}
	b = o->kind == OP_MEM ? o->base : o->reg;
	if (o->kind == OP_MEM && o->disp[0])
		d = strtol(o->disp, &end, 0);
	if (*end || b < 0 || b >= 16 || fr[i].sv[b] < 0) {
		err_at(p->path, s->line, "'%s' moves %%rsp by a run-time amount: not "
		       "supported, %%rsp must come back from the frame pointer", s->name);
		return -1;
	}
	if (b == REG_RBP) {
		fprintf(c->out, "%s\n", insn);
		return 0;
	}
	fprintf(c->out, "\tleaq\t%ld(%%rbp), %%rsp\n",
		(long)fr[i].sv[REG_RBP] - fr[i].sv[b] + d);
	return 0;
}

/*
 * A computed goto, "jmp *%rT" or "jmp *TAB(,%idx,8)" (the table read
 * into %rT, through SVM like any access of the instance's own data),
 * becomes a compare chain over the labels of the function's read-only
 * tables (cgoto_tables, flow.c), direct jumps only:
 *	leaq L1(%rip), %rS; cmpq %rS, %rT; je L1; ...; pushq $0; call __twin_bug
 * A value no label matches is a fatal BUG.  %rS (and %rT when loaded
 * here) must be dead at every target, and the flags too (refused
 * otherwise).
 */
static int rewrite_cgoto(struct ctx *c, int i)
{
	static const int order[] = { 11, 10, 0, 1, 2, 6, 7, 8, 9, 3, 12, 13, 14, 15 };
	struct program *p = c->p;
	struct stmt *s = &p->st[i];
	const struct func *fn;
	int f = s->func, k, j, rt = -1, rs = -1, site;

	if (f >= 0 && p->fn[f].parent >= 0)
		f = p->fn[f].parent;
	if (f < 0 || !p->fn[f].ncgt) {
		err_at(p->path, s->line, "indirect jump with no known target (no read-only "
		       "table of its function's label addresses; a jump table): not "
		       "supported, control flow must be direct branches");
		return -1;
	}
	fn = &p->fn[f];
	for (k = 0; k < fn->ncgt; k++)
		if (flags_live_in(p, fn->cgt[k])) {
			err_at(p->path, s->line, "flags live at %s, a target of the computed "
			       "goto: not supported (its compare chain sets them)",
			       p->st[fn->cgt[k]].name);
			return -1;
		}
	if (s->op[0].kind == OP_REG)
		rt = s->op[0].reg;
	for (j = 0; j < (int)(sizeof(order) / sizeof(order[0])); j++) {
		int r = order[j];

		if (stmt_mentions_reg(s, r) || r == rt)
			continue;
		for (k = 0; k < fn->ncgt && reg_dead_at(p, fn->cgt[k], r); k++)
			;
		if (k < fn->ncgt)
			continue;
		if (rt < 0)
			rt = r;
		else if (rs < 0)
			rs = r;
	}
	if (rt < 0 || rs < 0) {
		err_at(p->path, s->line, "no scratch register dead at every target of the "
		       "computed goto: not supported");
		return -1;
	}
	if (s->op[0].kind != OP_REG) {
		struct stmt t = *s;
		int opsize;

		strcpy(t.name, "movq");
		t.isa = isa_lookup("movq", &opsize);
		t.nops = 2;
		t.op[0].star = false;
		memset(&t.op[1], 0, sizeof(t.op[1]));
		t.op[1].kind = OP_REG;
		t.op[1].reg = rt;
		t.op[1].width = 8;
		if (s->op[0].kind != OP_MEM || rewrite_mem(c, i, &t, 0, 8))
			return -1;
	}
	for (k = 0; k < fn->ncgt; k++) {
		const char *l = p->st[fn->cgt[k]].name;

		fprintf(c->out, "\tleaq\t%s(%%rip), %%%s\n\tcmpq\t%%%s, %%%s\n\tje\t%s\n",
			l, reg_name(rs, 8), reg_name(rs, 8), reg_name(rt, 8), l);
	}
	site = c->site++;
	fprintf(c->out, "\tpushq\t$0\n\tcall\t__twin_bug\n.Lsvm_cgl_%d:\n\tjmp\t.Lsvm_cgl_%d\n",
		site, site);
	c->st->cgotos++;
	return 0;
}

/* a jmp or jCC out of the activation: through the shadow stack's pop unit */
static int rewrite_tail_call(struct ctx *c, int i, const char *target)
{
	const struct stmt *s = &c->p->st[i];

	c->st->rs_exits++;
	if (shadow_exit(c->out, s->name, target, c->site++)) {
		err_at(c->p->path, s->line, "%s to %s: a tail call by a jump with no "
		       "inverse condition", s->name, s->op[0].text);
		return -1;
	}
	return 0;
}

static int rewrite_insn(struct ctx *c, int i)
{
	struct stmt *s = &c->p->st[i];
	unsigned f;
	char insn[512], nb[200];
	struct pentry *pe;
	int mi = mem_operand(s), opsize;

	c->st->insns_in++;
	if (c->jl_target[i] >= 0)	/* the jmp or the NOP (.byte) form */
		return rewrite_jump_label(c, i);
	f = s->isa->flags;
	isa_lookup(s->name, &opsize);
	if (f & I_PRIV) {
		err_at(c->p->path, s->line, "privileged instruction '%s' in the fast path",
		       s->name);
		return -1;
	}
	if (f & I_RET) {
		if (s->nops) {
			err_at(c->p->path, s->line, "ret with an operand");
			return -1;
		}
		c->st->rs_exits++;
		return shadow_exit(c->out, "ret", NULL, 0);
	}
	if (f & I_STR) {
		if (strncmp(s->prefix, "rep", 3)) {
			err_at(c->p->path, s->line, "string operation without rep");
			return -1;
		}
		fprintf(c->out, "\tcall\t__svm_rep_%s\n", s->name);
		c->st->rep_sites++;
		c->st->mem_sites++;
		return 0;
	}
	if ((f & (I_CALL | I_JMP)) && s->op[0].star) {
		if (f & I_JMP)
			return rewrite_cgoto(c, i);
		if (s->op[0].kind == OP_REG) {
			fprintf(c->out, "\tmovq\t%%%s, %%r11\n\tcall\t__twin_dispatch\n",
				reg_name(s->op[0].reg, 8));
			c->st->icalls++;
			return 0;
		}
		return rewrite_mem(c, i, s, 0, 8);
	}
	if ((f & (I_CALL | I_JMP | I_JCC)) && s->op[0].kind == OP_SYM) {
		const char *t = s->op[0].text;

		/* GCC's -fipa-ra keeps a caller-saved register across a call
		 * to a local function it knows leaves that register alone; the
		 * rewritten callee's probes and thunks do not (%r10/%r11 and
		 * their scratch picks): refuse rather than miscompile */
		if ((f & I_CALL) && find_func(c->p, t) >= 0) {
			static const int kept[] = { 10, 11, 8, 9, 1, 6, 7 };

			for (unsigned k = 0; k < sizeof(kept) / sizeof(kept[0]); k++)
				if (read_after_call(c->p, i, kept[k])) {
					err_at(c->p->path, s->line, "%%%s is live across the "
					       "call to %s (GCC's -fipa-ra): compile with -fno-ipa-ra",
					       reg_name(kept[k], 8), t);
					return -1;
				}
		}

		if (!is_local_label(t) && !isdigit_label(t) && find_func(c->p, t) < 0) {
			const char *b = bound_name(c, t, nb, sizeof(nb));

			if (!b) {
				err_at(c->p->path, s->line, "callee '%s' not bound", t);
				return -1;
			}
			c->st->ext_calls++;
			if (!(f & I_CALL))
				return rewrite_tail_call(c, i, b);
			fprintf(c->out, "\t%s\t%s\n", s->name, b);
			/* GCC put nothing after a call that does not return; a
			 * bound one (deny, stub) does: stop there, a fatal BUG
			 * and, should that return, a jump to itself */
			pe = policy_find(c->pol, 'e', t);
			if ((f & I_CALL) && pe && pe->noreturn) {
				int n = c->site++;

				fprintf(c->out, "\tpushq\t$0\n\tcall\t__twin_bug\n"
					".Lsvm_noret_%d:\n\tjmp\t.Lsvm_noret_%d\n", n, n);
				c->st->bug_sites++;
			}
			return 0;
		}
	}
	if ((f & (I_JMP | I_JCC)) && s->op[0].kind == OP_SYM &&
	    shadow_tail_target(c->p, s->op[0].text))
		return rewrite_tail_call(c, i, s->op[0].text);
	/* %rsp moves by push/pop and constant steps, or by the run-time
	 * steps of a frame with a frame pointer (rewrite_rsp) */
	if (s->nops && s->op[s->nops - 1].kind == OP_REG &&
	    s->op[s->nops - 1].reg == REG_RSP && !(f & I_PUSHPOP)) {
		const struct operand *o = &s->op[0];
		bool ok = (!strcmp(s->name, "addq") || !strcmp(s->name, "subq")) &&
			  o->kind == OP_IMM;

		ok |= !strcmp(s->name, "leaq") && o->kind == OP_MEM &&
		      o->base == REG_RSP && o->index < 0;
		if (!ok)
			return rewrite_rsp(c, i);
	}
	/* before any rewriting: a store of $h to memory takes h's address too */
	for (int k = 0; k < s->nops; k++) {
		char sym[128];
		int fn;

		if (s->op[k].kind != OP_IMM)
			continue;
		sym_of(s->op[k].text, sym, sizeof(sym));
		fn = sym[0] ? find_func(c->p, sym) : -1;
		if (fn >= 0 && !c->p->fn[fn].in_closure) {
			err_at(c->p->path, s->line,
			       "address of %s taken, but it is not in the closure", sym);
			return -1;
		}
	}
	if (mi >= 0 && !(f & I_NOMEM) && s->op[mi].base != REG_RSP)
		return rewrite_mem(c, i, s, mi, opsize);
	if (mi >= 0 && !(f & I_NOMEM) && s->op[mi].base == REG_RSP && s->op[mi].index >= 0) {
		int fail;
		const struct frame *fr = stack_frames(c->p, i, 0, &fail);

		/* at a run-time depth the frame's extent is not known here:
		 * through SVM, like a pointer (the stack is mapped 1:1) */
		if (fail < 0 && fr[i].ranged)
			return rewrite_mem(c, i, s, mi, opsize);
		return rewrite_stack_index(c, i, s, mi, opsize);
	}
	if (mi >= 0 && (f & I_PUSHPOP) && s->op[mi].base == REG_RSP)
		return rewrite_pushpop_mem(c, i, s, mi, operand_size(s, opsize));
	if (mi >= 0 && !(f & I_NOMEM) && s->op[mi].base == REG_RSP)
		c->st->stack_sites++;
	if (mi >= 0 && (f & I_NOMEM) && s->op[mi].base == REG_RIP &&
	    s->name[0] == 'l') {
		char sym[128];

		/* An address taken of VM data is a VM address: use the symbol. */
		sym_of(s->op[mi].disp, sym, sizeof(sym));
		if (!is_rodata_sym(c->p, sym)) {
			if (find_func(c->p, sym) >= 0) {
				err_at(c->p->path, s->line,
				       "address of function %s taken", sym);
				return -1;
			}
			fprintf(c->out, "\tmovq\t$%s, %%%s\n", s->op[mi].disp,
				reg_name(s->op[1].reg, 8));
			return 0;
		}
	}
	if (!strcmp(s->name, "movq") && s->nops == 2 && s->op[0].kind == OP_IMM &&
	    s->op[1].kind == OP_REG) {
		char sym[128];

		/* The instance's own read-only data is not in the top 2 GB
		 * inside Xen: address it rip-relative (flags untouched). */
		sym_of(s->op[0].text, sym, sizeof(sym));
		if (sym[0] && is_rodata_sym(c->p, sym)) {
			fprintf(c->out, "\tleaq\t%s(%%rip), %%%s\n", s->op[0].text,
				reg_name(s->op[1].reg, 8));
			c->st->rodata_lea++;
			return 0;
		}
	}
	fmt_insn(s, insn, sizeof(insn));
	fprintf(c->out, "%s\n", insn);
	return 0;
}


/*
 * Group translation: a straight-line run of accesses off one base register
 * that the run does not change, e.g. "desc->status, desc->length,
 * desc->addr", is translated by one probe for the whole byte range
 * [min disp, max disp + size).  If that range is in one TLB page the run
 * executes with its operands rebased on the host address; otherwise
 * (TLB miss, page crossing) it jumps to an out-of-line copy of the run in
 * which every access has its own probe.  Returns the number of statements
 * consumed, 0 when no group applies.
 */
#define GROUP_RANGE 512
#define GROUP_BASES 3
#define GROUP_JCC 4

/*
 * An indexed %rsp operand at a run-time depth, which rewrite_insn
 * translates like a pointer, with scratch registers of its own: no group,
 * thunk group or loop window may hold it (their registers are live).
 */
static bool ranged_stack_index(struct program *p, int k)
{
	const struct stmt *s = &p->st[k];
	const struct frame *fr;
	int mi = s->kind == ST_INSN ? mem_operand(s) : -1, fail;

	if (mi < 0 || (s->isa->flags & I_NOMEM) || s->op[mi].base != REG_RSP ||
	    s->op[mi].index < 0)
		return false;
	fr = stack_frames(p, k, 0, &fail);
	return fail < 0 && fr[k].ranged;
}

/* a write of %rsp other than push/pop and a constant step (rewrite_rsp) */
static bool rsp_runtime_step(const struct stmt *s)
{
	const struct operand *o = &s->op[0];

	if (s->kind != ST_INSN || !s->nops || (s->isa->flags & I_PUSHPOP) ||
	    s->op[s->nops - 1].kind != OP_REG || s->op[s->nops - 1].reg != REG_RSP)
		return false;
	return !(((!strcmp(s->name, "addq") || !strcmp(s->name, "subq")) && o->kind == OP_IMM) ||
		 (!strcmp(s->name, "leaq") && o->kind == OP_MEM && o->base == REG_RSP &&
		  o->index < 0));
}

static int target_of(struct program *p, const struct stmt *s)
{
	if (s->nops == 1 && s->op[0].kind == OP_SYM && is_local_label(s->op[0].text))
		return label_stmt(p, s->op[0].text);
	return -1;
}

static bool numeric(const char *s)
{
	char *end;

	if (!*s)
		return true;
	strtol(s, &end, 0);
	return !*end;
}

static bool plain_imm(const struct stmt *s)
{
	int k;

	for (k = 0; k < s->nops; k++)
		if (s->op[k].kind == OP_IMM && !numeric(s->op[k].text))
			return false;
	return true;
}

static bool writes_reg(const struct stmt *s, int r)
{
	const struct operand *l = s->nops ? &s->op[s->nops - 1] : NULL;

	return l && l->kind == OP_REG && l->reg == r &&
	       (s->isa->flags & (I_DSTW | I_DSTRW));
}

static int try_group(struct ctx *c, int i)
{
	struct program *p = c->p;
	int k, j, end = -1, nb = 0, naccess = 0, last = -1, site, opsize;
	int bases[GROUP_BASES], lo[GROUP_BASES], hi[GROUP_BASES];
	bool wr[GROUP_BASES];
	int regs[GROUP_BASES + 1], jcc[GROUP_JCC], njcc = 0;
	bool flags;
	char insn[512];
	FILE *slow;
	char *sbuf = NULL;
	size_t slen = 0;

	for (k = i; k < p->nst; k++) {
		struct stmt *s = &p->st[k];
		unsigned f;
		int mi, b;

		if (s->kind != ST_INSN)
			break;
		f = s->isa->flags;
		/* a conditional branch out of the run is fine (its target must
		 * not need the scratch registers, checked below); joins are not */
		if ((f & I_JCC) && !s->in_app && target_of(p, s) >= 0 && nb) {
			if (njcc == GROUP_JCC)
				break;
			jcc[njcc++] = target_of(p, s);
			continue;
		}
		if ((f & (I_JMP | I_JCC | I_CALL | I_RET | I_IMPL | I_STR | I_PRIV |
			  I_PUSHPOP)) || s->in_app || s->pushdepth ||
		    (s->prefix[0] && strcmp(s->prefix, "lock")) || !plain_imm(s) ||
		    c->jl_target[k] >= 0)
			break;
		mi = mem_operand(s);
		/* the run is printed as is: nothing rewrite_insn must check */
		if (rsp_runtime_step(s) || (mi >= 0 && !(f & I_NOMEM) &&
					    s->op[mi].base == REG_RSP && s->op[mi].index >= 0))
			break;
		if (mi >= 0 && s->op[mi].base != REG_RSP && !(f & I_NOMEM)) {
			const struct operand *o = &s->op[mi];
			int d, sz, nlo, nhi;

			if (o->seg[0] || o->index >= 0 || o->base < 0 ||
			    o->base == REG_RIP || !numeric(o->disp) ||
			    (!strncmp(s->name, "bt", 2) && s->op[0].kind == OP_REG))
				break;
			for (b = 0; b < nb && bases[b] != o->base; b++)
				;
			isa_lookup(s->name, &opsize);
			d = atoi(o->disp);
			sz = operand_size(s, opsize);
			if (b == nb) {
				/* a new base is probed before the run starts: the
				 * run must open with an access, and nothing in it
				 * before this one may have changed the base */
				if (nb == GROUP_BASES || (nb == 0 && k != i))
					break;
				for (j = i; j < k && !writes_reg(&p->st[j], o->base); j++)
					;
				if (j < k)
					break;
				bases[nb] = o->base;
				lo[nb] = d;
				hi[nb] = d + sz;
				wr[nb] = false;
				nb++;
			}
			nlo = d < lo[b] ? d : lo[b];
			nhi = d + sz > hi[b] ? d + sz : hi[b];
			if (nhi - nlo > GROUP_RANGE)
				break;
			lo[b] = nlo;
			hi[b] = nhi;
			wr[b] |= writes_mem(s, mi);
			naccess++;
			last = k;
		}
		/* a write to a probed base ends the run (after it, if it is
		 * itself an access whose address used the old value) */
		for (b = 0; b < nb && !writes_reg(s, bases[b]); b++)
			;
		if (b < nb)
			break;
	}
	if (naccess < 2 || naccess <= nb)
		return 0;
	end = last;
	/* scratch: mentioned nowhere in the run and dead after it */
	{
		static const int order[] = { 11, 10, 9, 8, 0, 1, 2, 6, 7, 3, 5, 12,
					     13, 14, 15 };
		int got = 0, o;

		for (o = 0; o < 15 && got < nb + 1; o++) {
			bool used = false;

			for (k = i; k <= end; k++)
				used |= stmt_mentions_reg(&p->st[k], order[o]);
			for (k = 0; k < njcc && !used; k++)
				used = !reg_dead_at(p, jcc[k], order[o]);
			if (!used && reg_dead_after(p, end, order[o]))
				regs[got++] = order[o];
		}
		if (got < nb + 1)
			return 0;
	}
	flags = flags_live_in(p, i);
	site = c->site++;
	c->st->groups++;
	c->st->group_accesses += naccess;
	if (flags)
		fputs("\tpushfq\n", c->out);
	for (j = 0; j < nb; j++) {
		int rA = regs[j + 1], rB = regs[0];

		fprintf(c->out, "\tleaq\t%d(%%%s), %%%s\n", lo[j], reg_name(bases[j], 8),
			reg_name(rA, 8));
		fprintf(c->out,
			"\tmovq\t%%%s, %%%s\n"
			"\tshrq\t$%d, %%%s\n"
			"\tandl\t$%d, %%%s\n"
			"\taddq\t__svm_tlbp(%%rip), %%%s\n"
			"\tsubq\t%s(%%%s), %%%s\n"
			"\tcmpq\t$%d, %%%s\n"
			"\tja\t.Lsvm_slow_%d\n"
			"%s"
			"\taddq\t8(%%%s), %%%s\n",
			reg_name(rA, 8), reg_name(rB, 8),
			SVM_PAGE_SHIFT - SVM_ENTRY_SHIFT, reg_name(rB, 8),
			((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT, reg_name(rB, 4),
			reg_name(rB, 8),
			wr[j] ? SVM_WTAG : "", reg_name(rB, 8), reg_name(rA, 8),
			(1 << SVM_PAGE_SHIFT) - (hi[j] - lo[j]), reg_name(rA, 8),
			site, hit_count(c),
			reg_name(rB, 8), reg_name(rA, 8));
	}
	if (flags)
		fputs("\tpopfq\n", c->out);
	for (k = i; k <= end; k++) {
		struct stmt t = p->st[k];
		int mi = mem_operand(&t);

		for (j = 0; mi >= 0 && !(t.isa->flags & I_NOMEM) && j < nb; j++)
			if (t.op[mi].base == bases[j]) {
				snprintf(t.op[mi].disp, sizeof(t.op[mi].disp), "%d",
					 atoi(t.op[mi].disp) - lo[j]);
				t.op[mi].base = regs[j + 1];
				break;
			}
		fmt_insn(&t, insn, sizeof(insn));
		fprintf(c->out, "%s\n", insn);
		c->st->insns_in++;
	}
	fprintf(c->out, ".Lsvm_gdone_%d:\n", site);

	/* the out-of-line copy, one probe per access */
	slow = open_memstream(&sbuf, &slen);
	if (!slow)
		return -1;
	{
		FILE *main_out = c->out;
		int rc = 0;

		c->out = slow;
		fprintf(slow, ".Lsvm_slow_%d:\n", site);
		if (flags)
			fputs("\tpopfq\n", slow);
		for (k = i; k <= end && !rc; k++) {
			rc = rewrite_insn(c, k);
			c->st->insns_in--;
		}
		fprintf(slow, "\tjmp\t.Lsvm_gdone_%d\n", site);
		fclose(slow);
		c->out = main_out;
		if (!rc)
			missf(c, "%s", sbuf);
		free(sbuf);
		if (rc)
			return -1;
	}
	return end - i + 1;
}

/*
 * Loop windows: a tight loop whose every access is D(%rb) off a few base
 * registers that the loop changes only by constant steps (a descriptor
 * ring walked by pointer, an array summed) probes each base once per page
 * instead of once per access.  For each base a window register rX holds
 * the offset of the iteration's lowest accessed byte in its page and rH
 * the host page:
 *
 *	[pushq spilled registers]
 *  .Lsvm_wprobe_N:			per base, once per page:
 *	leaq	LO(%rb), %rX
 *	movq %rX,%rH; shrq; andl; addq __svm_tlbp; subq T(%rH),%rX
 *	cmpq	$K, %rX; ja .Lsvm_wslow_N	K = 4096 - (HI - LO)
 *	movq	8(%rH), %rH		the page: rX is the offset in it
 *  L:					every iteration, per base:
 *	cmpq	$K, %rX; ja .Lsvm_wprobe_N	still in that page?
 *	...	D(%rb) becomes (D-LO)(%rH,%rX); "addq $c, %rb" is followed by
 *		"leaq c(%rX), %rX", so rX keeps following rb
 *	jcc	L
 *  .Lsvm_wout_N:
 *	[popq spilled registers]
 *
 * A probe that misses (the page is not in the TLB, or the window crosses a
 * page) runs one iteration on an out-of-line copy of the loop with a probe
 * per access (.Lsvm_wslow_N), which goes back to .Lsvm_wprobe_N.  The loop
 * makes no call, so nothing changes the TLB while a window is in use.  The
 * verifier checks it like any other code: rX is bounded by the check at
 * L, every step of it is a constant, rH is a page.  Returns the statements
 * consumed (from the loop's label to its last back edge), 0 if the loop is
 * not one of these.
 */
#define WIN_BODY 64
#define WIN_BASES 3
#define WIN_RANGE 1024

struct win {
	int base, lo, hi, rx, rh;
	bool wr;
	int delta;		/* the base's step since L at the current statement */
};

static int win_of(struct win *w, int nw, int reg)
{
	int k;

	for (k = 0; k < nw; k++)
		if (w[k].base == reg)
			return k;
	return -1;
}

/* "addq $c, %rb", "subq $c, %rb", "leaq c(%rb), %rb": the step, else 0 with *ok false */
static int const_step(const struct stmt *s, int reg, bool *ok)
{
	const struct operand *a = &s->op[0], *b = &s->op[1];

	*ok = false;
	if (s->nops != 2 || b->kind != OP_REG || b->reg != reg || b->width != 8 || s->prefix[0])
		return 0;
	if ((!strcmp(s->name, "addq") || !strcmp(s->name, "subq")) && a->kind == OP_IMM &&
	    numeric(a->text)) {
		*ok = true;
		return strcmp(s->name, "addq") ? -atoi(a->text) : atoi(a->text);
	}
	if (!strcmp(s->name, "leaq") && a->kind == OP_MEM && a->base == reg &&
	    a->index < 0 && !a->seg[0] && numeric(a->disp)) {
		*ok = true;
		return atoi(a->disp);
	}
	return 0;
}

static int try_window(struct ctx *c, int l)
{
	struct program *p = c->p;
	struct win w[WIN_BASES];
	int nw = 0, j = -1, k, m, naccess = 0, site, nsave = 0, save[2 * WIN_BASES];
	int *delta_at, reglist[2 * WIN_BASES];
	bool rsp_used = false, ok;
	const char *name = p->st[l].name;
	char insn[512];
	FILE *slow;
	char *sbuf = NULL;
	size_t slen = 0;
	struct stats keep;

	if (!is_local_label(name) || p->st[l].cg_target)
		return 0;
	/* the last back edge within reach */
	for (k = l + 1; k < p->nst && k <= l + WIN_BODY; k++) {
		struct stmt *s = &p->st[k];

		if (s->section != p->st[l].section || s->func != p->st[l].func)
			break;
		if (s->kind == ST_INSN && (s->isa->flags & (I_JMP | I_JCC)) &&
		    target_of(p, s) == l)
			j = k;
	}
	if (j < 0 || flags_live_in(p, l))
		return 0;
	/* entered only from above: no jump from outside into [l, j] */
	for (k = 0; k < p->nst; k++) {
		struct stmt *s = &p->st[k];
		int t;

		if (k >= l && k <= j)
			continue;
		if (s->kind == ST_INSN && (s->isa->flags & (I_JMP | I_JCC | I_CALL)) &&
		    (t = target_of(p, s)) >= l && t <= j)
			return 0;
	}
	for (k = l - 1; k >= 0 && p->st[k].kind != ST_INSN; k--)
		;
	if (k < 0 || (p->st[k].isa->flags & (I_JMP | I_RET)))
		return 0;
	/* the body: what it may contain, its bases and their steps */
	for (k = l + 1; k <= j; k++) {
		struct stmt *s = &p->st[k];
		unsigned f;
		int mi;

		if (s->pushdepth || s->in_app || c->jl_target[k] >= 0 || c->bug_info[k] >= 0)
			return 0;
		if (s->kind == ST_LABEL) {
			/* a computed goto enters the loop here */
			if (isdigit_label(s->name) || s->cg_target)
				return 0;
			continue;
		}
		if (s->kind == ST_DIR) {
			if (strcmp(s->name, ".p2align") && strcmp(s->name, ".align") &&
			    strcmp(s->name, ".balign"))
				return 0;
			continue;
		}
		f = s->isa->flags;
		if ((f & (I_CALL | I_RET | I_STR | I_PRIV | I_PUSHPOP | I_IMPL)) ||
		    (s->prefix[0] && strcmp(s->prefix, "lock")) || !strcmp(s->name, "ud2"))
			return 0;
		if (f & (I_JMP | I_JCC)) {
			int t = target_of(p, s);

			if (t < 0 || (t > l && t <= k))	/* a tail call, an inner loop */
				return 0;
			continue;
		}
		if (stmt_mentions_reg(s, REG_RSP))
			rsp_used = true;
		if (ranged_stack_index(p, k))
			return 0;
		mi = mem_operand(s);
		if (mi < 0 || (f & I_NOMEM) || s->op[mi].base == REG_RSP)
			continue;
		{
			const struct operand *o = &s->op[mi];
			char sym[128];

			sym_of(o->disp, sym, sizeof(sym));
			if (o->base == REG_RIP && is_rodata_sym(p, sym) && !writes_mem(s, mi))
				continue;
			if (o->seg[0] || o->index >= 0 || o->base < 0 || o->base == REG_RIP ||
			    !numeric(o->disp) ||
			    (!strncmp(s->name, "bt", 2) && s->op[0].kind == OP_REG))
				return 0;
			if (win_of(w, nw, o->base) < 0) {
				if (nw == WIN_BASES)
					return 0;
				w[nw].base = o->base;
				w[nw].lo = INT32_MAX;
				w[nw].hi = INT32_MIN;
				w[nw].wr = false;
				nw++;
			}
		}
	}
	if (!nw)
		return 0;
	/* each base changes only by constant steps, the same on every path
	 * to a statement, never below where it was at L */
	delta_at = malloc((j - l + 1) * WIN_BASES * sizeof(int));
	for (k = 0; k < (j - l + 1) * WIN_BASES; k++)
		delta_at[k] = INT32_MIN;
	for (m = 0; m < nw; m++)
		w[m].delta = 0;
	for (k = l + 1; k <= j; k++) {
		struct stmt *s = &p->st[k];
		int *d = &delta_at[(k - l) * WIN_BASES];

		if (s->kind == ST_LABEL) {
			/* a join: forward jumps recorded their deltas here */
			bool falls = false;
			int q;

			for (q = k - 1; q > l && p->st[q].kind != ST_INSN; q--)
				;
			falls = q <= l || !(p->st[q].isa->flags & I_JMP);
			for (m = 0; m < nw; m++) {
				if (d[m] == INT32_MIN)
					d[m] = w[m].delta;
				else if (falls && d[m] != w[m].delta)
					goto reject;
				w[m].delta = d[m];
			}
			continue;
		}
		if (s->kind != ST_INSN)
			continue;
		if (s->isa->flags & (I_JMP | I_JCC)) {
			int t = target_of(p, s);

			if (t > k && t <= j) {
				int *dt = &delta_at[(t - l) * WIN_BASES];

				for (m = 0; m < nw; m++) {
					if (dt[m] != INT32_MIN && dt[m] != w[m].delta)
						goto reject;
					dt[m] = w[m].delta;
				}
			}
			continue;
		}
		{
			int mi = mem_operand(s), opsize;

			if (mi >= 0 && !(s->isa->flags & I_NOMEM) &&
			    (m = win_of(w, nw, s->op[mi].base)) >= 0) {
				int o = w[m].delta + atoi(s->op[mi].disp);

				isa_lookup(s->name, &opsize);
				if (o < w[m].lo)
					w[m].lo = o;
				if (o + operand_size(s, opsize) > w[m].hi)
					w[m].hi = o + operand_size(s, opsize);
				w[m].wr |= writes_mem(s, mi);
				naccess++;
			}
		}
		for (m = 0; m < nw; m++) {
			if (!writes_reg(s, w[m].base) && !(!strncmp(s->name, "xchg", 4) &&
							  stmt_mentions_reg(s, w[m].base)))
				continue;
			w[m].delta += const_step(s, w[m].base, &ok);
			if (!ok || w[m].delta < 0 || w[m].delta > WIN_RANGE)
				goto reject;
		}
	}
	free(delta_at);
	delta_at = NULL;
	for (m = 0; m < nw; m++)
		if (w[m].lo < 0 || w[m].hi - w[m].lo > WIN_RANGE)
			return 0;
	/* two registers per base, unused in the loop; saved around it unless
	 * dead there (never if the loop uses the stack) */
	{
		static const int order[] = { 11, 10, 9, 8, 0, 1, 2, 6, 7, 3, 5, 12,
					     13, 14, 15 };
		int dead[16], nd = 0, live[16], nl = 0, o;

		for (o = 0; o < 15; o++) {
			int r = order[o];
			bool used = false;

			for (k = l; k <= j && !used; k++)
				used = p->st[k].kind == ST_INSN && stmt_mentions_reg(&p->st[k], r);
			if (used)
				continue;
			if (reg_dead_at(p, l, r))
				dead[nd++] = r;
			else
				live[nl++] = r;
		}
		for (k = 0; k < 2 * nw; k++) {
			if (k < nd) {
				reglist[k] = dead[k];
			} else if (k - nd < nl) {
				reglist[k] = live[k - nd];
				save[nsave++] = reglist[k];
			} else {
				return 0;
			}
		}
		if (nsave && rsp_used)
			return 0;
		for (m = 0; m < nw; m++) {
			w[m].rx = reglist[2 * m];
			w[m].rh = reglist[2 * m + 1];
		}
	}

	site = c->site++;
	c->st->windows += nw;
	c->st->window_accesses += naccess;
	c->st->mem_sites += naccess;
	for (k = 0; k < nsave; k++)
		fprintf(c->out, "\tpushq\t%%%s\n", reg_name(save[k], 8));
	c->st->scratch_pushed += nsave;
	fprintf(c->out, ".Lsvm_wprobe_%d:\n", site);
	for (m = 0; m < nw; m++) {
		const char *X = reg_name(w[m].rx, 8), *H = reg_name(w[m].rh, 8);

		fprintf(c->out,
			"\tleaq\t%d(%%%s), %%%s\n"
			"\tmovq\t%%%s, %%%s\n"
			"\tshrq\t$%d, %%%s\n"
			"\tandl\t$%d, %%%s\n"
			"\taddq\t__svm_tlbp(%%rip), %%%s\n"
			"\tsubq\t%s(%%%s), %%%s\n"
			"\tcmpq\t$%d, %%%s\n"
			"\tja\t.Lsvm_wslow_%d\n"
			"%s"
			"\tmovq\t8(%%%s), %%%s\n",
			w[m].lo, reg_name(w[m].base, 8), X, X, H,
			SVM_PAGE_SHIFT - SVM_ENTRY_SHIFT, H,
			((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT, reg_name(w[m].rh, 4), H,
			w[m].wr ? SVM_WTAG : "", H, X,
			(1 << SVM_PAGE_SHIFT) - (w[m].hi - w[m].lo), X, site,
			hit_count(c), H, H);
	}
	fprintf(c->out, "%s:\n", name);
	for (m = 0; m < nw; m++)
		fprintf(c->out, "\tcmpq\t$%d, %%%s\n\tja\t.Lsvm_wprobe_%d\n",
			(1 << SVM_PAGE_SHIFT) - (w[m].hi - w[m].lo), reg_name(w[m].rx, 8), site);
	for (m = 0; m < nw; m++)
		w[m].delta = 0;
	for (k = l + 1; k <= j; k++) {
		struct stmt *s = &p->st[k];
		struct stmt t;
		int mi, step;

		if (s->kind == ST_LABEL) {
			fprintf(c->out, "%s:\n", s->name);
			continue;
		}
		if (s->kind == ST_DIR) {
			fprintf(c->out, "\t%s\t%s\n", s->name, s->args);
			continue;
		}
		if (s->isa->flags & (I_JMP | I_JCC)) {
			int tg = target_of(p, s);

			if (nsave && (tg < l || tg > j))
				fprintf(c->out, "\t%s\t.Lsvm_wexit_%d_%d\n", s->name, site, k);
			else
				fprintf(c->out, "\t%s\t%s\n", s->name, s->op[0].text);
			c->st->insns_in++;
			continue;
		}
		mi = mem_operand(s);
		if (mi >= 0 && !(s->isa->flags & I_NOMEM) &&
		    (m = win_of(w, nw, s->op[mi].base)) >= 0) {
			t = *s;
			snprintf(t.op[mi].disp, sizeof(t.op[mi].disp), "%d",
				 atoi(s->op[mi].disp) - w[m].lo);
			t.op[mi].base = w[m].rh;
			t.op[mi].index = w[m].rx;
			t.op[mi].scale = 1;
			fmt_insn(&t, insn, sizeof(insn));
			fprintf(c->out, "%s\n", insn);
			c->st->insns_in++;
			if (s->prefix[0])
				c->st->lock_sites++;
		} else if (rewrite_insn(c, k)) {
			return -1;
		}
		for (m = 0; m < nw; m++)
			if (writes_reg(s, w[m].base)) {
				step = const_step(s, w[m].base, &ok);
				fprintf(c->out, "\tleaq\t%d(%%%s), %%%s\n", step,
					reg_name(w[m].rx, 8), reg_name(w[m].rx, 8));
			}
	}
	fprintf(c->out, ".Lsvm_wout_%d:\n", site);
	for (k = nsave - 1; k >= 0; k--)
		fprintf(c->out, "\tpopq\t%%%s\n", reg_name(save[k], 8));

	/* exits of a loop with saved registers restore them first */
	for (k = l + 1; k <= j && nsave; k++) {
		struct stmt *s = &p->st[k];
		int tg, q;

		if (s->kind != ST_INSN || !(s->isa->flags & (I_JMP | I_JCC)) ||
		    ((tg = target_of(p, s)) >= l && tg <= j))
			continue;
		missf(c, ".Lsvm_wexit_%d_%d:\n", site, k);
		for (q = nsave - 1; q >= 0; q--)
			missf(c, "\tpopq\t%%%s\n", reg_name(save[q], 8));
		missf(c, "\tjmp\t%s\n", s->op[0].text);
	}

	/* one iteration with a probe per access, then back to the window probe */
	slow = open_memstream(&sbuf, &slen);
	if (!slow)
		return -1;
	keep = *c->st;
	{
		FILE *main_out = c->out;
		int rc = 0;

		c->out = slow;
		fprintf(slow, ".Lsvm_wslow_%d:\n", site);
		for (k = l + 1; k <= j && !rc; k++) {
			struct stmt *s = &p->st[k];

			if (s->kind == ST_LABEL) {
				fprintf(slow, ".Lsvm_w%d_%s:\n", site, s->name + 2);
				continue;
			}
			if (s->kind == ST_DIR)
				continue;
			if (s->isa->flags & (I_JMP | I_JCC)) {
				int tg = target_of(p, s);

				if (tg == l)
					fprintf(slow, "\t%s\t.Lsvm_wprobe_%d\n", s->name, site);
				else if (tg > l && tg <= j)
					fprintf(slow, "\t%s\t.Lsvm_w%d_%s\n", s->name, site,
						s->op[0].text + 2);
				else if (nsave)
					fprintf(slow, "\t%s\t.Lsvm_wexit_%d_%d\n", s->name, site, k);
				else
					fprintf(slow, "\t%s\t%s\n", s->name, s->op[0].text);
				continue;
			}
			rc = rewrite_insn(c, k);
		}
		fprintf(slow, "\tjmp\t.Lsvm_wout_%d\n", site);
		fclose(slow);
		c->out = main_out;
		/* the copy's accesses are the same operands: counted once */
		k = c->st->thunk_sites;
		*c->st = keep;
		c->st->thunk_sites = k;
		if (!rc)
			missf(c, "%s", sbuf);
		free(sbuf);
		if (rc)
			return -1;
	}
	return j - l + 1;
reject:
	free(delta_at);
	return 0;
}

/*
 * Thunk groups: outside tight loops, a run of reads off one base register
 * that the run does not change ("desc->status, desc->length",
 * "buffer_info->dma, ->length, ->time_stamp") is probed once, through a
 * read thunk, for the run's byte range [lo, hi) (at most THUNK_MAX bytes:
 * the runtime translates that in one piece, through its bounce buffer if
 * the range crosses into a page not adjacent on the host):
 *
 *	[pushfq]
 *	leaq	LO(%rb), %r11
 *	call	__svm_prR_r11_r10	(qr if %r10 is live)
 *	[popfq]
 *	... the run, D(%rb) -> (D-LO)(%r11)
 *
 * Nothing else in the run is probed (stack and own read-only data only),
 * and nothing in it is a call, so the one translation holds for the whole
 * run.  The run may branch forward within itself and out of itself, and
 * may hold labels that only the run jumps to: the probe dominates the run.
 * A write ends the run: a bounced range is copied back whole after the
 * access, so bytes the run only read would be written back too, over what
 * another CPU or the device may have written meanwhile.  A run is only
 * worth a thunk of its own size if enough runs share it (tg_plan()).
 */
struct tgrun {
	int b, last, naccess, nwrites, lo, hi;
	bool q;			/* %r10 live at the start: a thunk that keeps it */
	bool wr;		/* a run that writes (every byte of its range) */
};

static bool tg_access(const struct stmt *s, int mi, bool wr)
{
	const struct operand *o;

	if (mi < 0 || (s->isa->flags & I_NOMEM))
		return false;
	o = &s->op[mi];
	return !o->seg[0] && o->index < 0 && o->base >= 0 && o->base < 16 &&
	       o->base != REG_RSP && numeric(o->disp) && (wr || !writes_mem(s, mi)) &&
	       !(s->isa->flags & (I_CALL | I_JMP | I_PUSHPOP | I_STR)) &&
	       !(!strncmp(s->name, "bt", 2) && s->op[0].kind == OP_REG);
}

/* Can a run start at statement i (its first access, off one base)? */
static bool tg_run_starts(struct ctx *c, int i, bool wr)
{
	const struct stmt *s0 = &c->p->st[i];

	return s0->kind == ST_INSN && c->jl_target[i] < 0 && !s0->in_app && !s0->pushdepth &&
	       !(s0->prefix[0] && strcmp(s0->prefix, "lock")) && !stmt_mentions_reg(s0, 11) &&
	       tg_access(s0, mem_operand(s0), wr);
}

enum tg_step { TG_END, TG_SKIP, TG_LOOK };

/*
 * What statement k does to a run that started at s0 off base b: end it,
 * be stepped over (alignment, a label or a forward branch only the run
 * can take), or be looked at.  A straight run (one that writes) also ends
 * at every label and branch.
 */
static enum tg_step tg_step(struct ctx *c, const struct stmt *s0, int k, int b, bool straight)
{
	const struct stmt *s = &c->p->st[k];
	unsigned f;

	if (s->section != s0->section || s->func != s0->func || s->pushdepth ||
	    s->in_app || c->jl_target[k] >= 0 || c->bug_info[k] >= 0)
		return TG_END;
	if (s->kind == ST_LABEL)	/* a computed goto's target is a join */
		return straight || isdigit_label(s->name) || s->cg_target ? TG_END : TG_SKIP;
	if (s->kind == ST_DIR)
		return strcmp(s->name, ".p2align") && strcmp(s->name, ".align") &&
		       strcmp(s->name, ".balign") ? TG_END : TG_SKIP;
	f = s->isa->flags;
	if ((f & (I_CALL | I_RET | I_STR | I_PRIV | I_JMP)) || !strcmp(s->name, "ud2") ||
	    (s->prefix[0] && strcmp(s->prefix, "lock")) || stmt_mentions_reg(s, 11) ||
	    ((f & I_IMPL) && (b <= 3 || b == 6 || b == 7)) || ranged_stack_index(c->p, k) ||
	    rsp_runtime_step(s))
		return TG_END;
	if (f & I_JCC)	/* only forward, to a local label */
		return straight || target_of(c->p, s) <= k ? TG_END : TG_SKIP;
	return TG_LOOK;
}

/* The memory operand of s that the run must cover (not the stack, not rodata read), or -1. */
static int tg_run_operand(struct program *p, const struct stmt *s)
{
	int mi = mem_operand(s);
	char sym[128];

	if (mi < 0 || (s->isa->flags & I_NOMEM) || s->op[mi].base == REG_RSP)
		return -1;
	sym_of(s->op[mi].disp, sym, sizeof(sym));
	if (s->op[mi].base == REG_RIP && is_rodata_sym(p, sym) && !writes_mem(s, mi))
		return -1;
	return mi;
}

/* Does s change base b (after which the run's addresses are stale)? */
static bool tg_base_changes(const struct stmt *s, int b)
{
	return writes_reg(s, b) ||
	       ((!strncmp(s->name, "xchg", 4) || !strncmp(s->name, "xadd", 4) ||
		 !strncmp(s->name, "cmpxchg", 7)) && stmt_mentions_reg(s, b));
}

static bool tg_scan(struct ctx *c, int i, struct tgrun *g)
{
	struct program *p = c->p;
	struct stmt *s0 = &p->st[i];
	int k, mi, opsize;
	bool stop = false;

	if (!tg_run_starts(c, i, false))
		return false;
	g->b = s0->op[mem_operand(s0)].base;
	g->last = -1;
	g->naccess = 0;
	g->nwrites = 0;
	g->wr = false;
	for (k = i; k < p->nst && !stop; k++) {
		struct stmt *s = &p->st[k];
		enum tg_step step = tg_step(c, s0, k, g->b, false);

		if (step == TG_END)
			break;
		if (step == TG_SKIP)
			continue;
		mi = tg_run_operand(p, s);
		if (mi >= 0) {
			int d, sz, nlo, nhi;

			if (!tg_access(s, mi, false) || s->op[mi].base != g->b)
				break;
			isa_lookup(s->name, &opsize);
			d = atoi(s->op[mi].disp);
			sz = operand_size(s, opsize);
			nlo = g->naccess && g->lo < d ? g->lo : d;
			nhi = g->naccess && g->hi > d + sz ? g->hi : d + sz;
			if (nhi - nlo > THUNK_MAX)
				break;
			g->lo = nlo;
			g->hi = nhi;
			g->naccess++;
			g->last = k;
		}
		/* a change of the base ends the run (after it, if it is an
		 * access whose address used the old value) */
		if (tg_base_changes(s, g->b)) {
			if (g->last != k)
				break;
			stop = true;
		}
	}
	if (g->naccess < 2)
		return false;
	/* the run ends at its last access; only it jumps to its labels, only
	 * forward; %r11 is dead wherever it leaves */
	for (k = 0; k < p->nst; k++) {
		struct stmt *s = &p->st[k];
		int t;

		if (s->kind != ST_INSN || !(s->isa->flags & (I_JMP | I_JCC | I_CALL)))
			continue;
		t = target_of(p, s);
		if (t > i && t <= g->last && (k < i || k > g->last || t <= k))
			return false;
		if (k >= i && k <= g->last && t > g->last && !reg_dead_at(p, t, 11))
			return false;
	}
	if (!reg_dead_after(p, g->last, 11))
		return false;
	g->q = !reg_dead_at(p, i, 10);
	return true;
}

/*
 * A run that writes: straight line (no branch, no label), reads and writes
 * off one base, and every byte of its range written by it, so that a
 * bounced range written back whole writes back only what the run wrote.
 * The longest such run from i.
 */
static bool tg_scan_write(struct ctx *c, int i, struct tgrun *g)
{
	struct program *p = c->p;
	struct stmt *s0 = &p->st[i];
	int k, mi, opsize, n = 0, d[64], sz[64], at[64], e, lo, hi, nw;
	bool w[64], stop = false;

	if (!tg_run_starts(c, i, true))
		return false;
	g->b = s0->op[mem_operand(s0)].base;
	for (k = i; k < p->nst && !stop && n < 64; k++) {
		struct stmt *s = &p->st[k];
		enum tg_step step = tg_step(c, s0, k, g->b, true);

		if (step == TG_END)
			break;
		if (step == TG_SKIP)
			continue;
		mi = tg_run_operand(p, s);
		if (mi >= 0) {
			if (!tg_access(s, mi, true) || s->op[mi].base != g->b)
				break;
			isa_lookup(s->name, &opsize);
			d[n] = atoi(s->op[mi].disp);
			sz[n] = operand_size(s, opsize);
			w[n] = writes_mem(s, mi);
			at[n++] = k;
		}
		if (tg_base_changes(s, g->b)) {
			if (!n || at[n - 1] != k)
				break;
			stop = true;
		}
	}
	/* the longest prefix of at least two accesses whose writes cover its range */
	for (e = n; e >= 2; e--) {
		unsigned long long cov = 0, all;
		int j;

		lo = hi = d[0];
		for (j = 0; j < e; j++) {
			lo = d[j] < lo ? d[j] : lo;
			hi = d[j] + sz[j] > hi ? d[j] + sz[j] : hi;
		}
		if (hi - lo > THUNK_MAX)
			continue;
		for (j = 0, nw = 0; j < e; j++)
			if (w[j]) {
				cov |= (sz[j] >= 64 ? ~0ULL : ((1ULL << sz[j]) - 1)) << (d[j] - lo);
				nw++;
			}
		all = hi - lo >= 64 ? ~0ULL : (1ULL << (hi - lo)) - 1;
		if (nw && cov == all)
			break;
	}
	if (e < 2 || !reg_dead_after(p, at[e - 1], 11) || !reg_dead_at(p, i, 10))
		return false;
	g->last = at[e - 1];
	g->naccess = e;
	g->nwrites = nw;
	g->lo = lo;
	g->hi = hi;
	g->q = false;
	g->wr = true;
	return true;
}

/* The better run from i, of either kind. */
static bool tg_find(struct ctx *c, int i, struct tgrun *g)
{
	struct tgrun r;
	bool have = tg_scan(c, i, g);

	if (tg_scan_write(c, i, &r) && (!have || r.naccess > g->naccess)) {
		*g = r;
		have = true;
	}
	return have;
}

static bool thunk_context(struct ctx *c, int i)
{
	return c->opt->thunks && (c->opt->thunks == THUNKS_ALL || !c->in_loop[i]);
}

/*
 * Which range sizes get a thunk of their own: a group saves a lea and a
 * call (about 9 bytes) per access after its first; a thunk costs about 60.
 * The sizes of single accesses have their thunks anyway.
 */
#define TG_SITE_BYTES 9
#define TG_THUNK_BYTES 60

static void tg_plan(struct ctx *c)
{
	struct program *p = c->p;
	int i, r, saved[3][THUNK_MAX + 1] = { { 0 } };
	struct tgrun g;

	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];

		if (s->func < 0 || !p->fn[s->func].in_closure || !thunk_context(c, i) ||
		    !tg_find(c, i, &g))
			continue;
		/* a run that writes also trades its sites' fix-ups (about 14
		 * bytes each) for one copy of the run (about 5 per access) */
		saved[g.wr ? 2 : g.q][g.hi - g.lo] += (g.naccess - 1) * TG_SITE_BYTES +
			(g.wr ? g.nwrites * 14 - g.naccess * 5 - 10 : 0);
		i = g.last;
	}
	for (r = 1; r <= THUNK_MAX; r++) {
		bool single = r == 1 || r == 2 || r == 4 || r == 8;

		c->tg_ok[0][r] = single || saved[0][r] > TG_THUNK_BYTES;
		c->tg_ok[1][r] = saved[1][r] > TG_THUNK_BYTES;
		c->tg_ok[2][r] = (single && saved[2][r] > 0) || saved[2][r] > TG_THUNK_BYTES;
	}
}

/* The run's statements, its accesses through %r11, to c->out. */
static int tg_emit_run(struct ctx *c, int i, const struct tgrun *g)
{
	struct program *p = c->p;
	char insn[512];
	int k, mi;

	for (k = i; k <= g->last; k++) {
		struct stmt *s = &p->st[k];

		if (s->kind == ST_LABEL) {
			fprintf(c->out, "%s:\n", s->name);
			continue;
		}
		if (s->kind == ST_DIR) {
			fprintf(c->out, "\t%s\t%s\n", s->name, s->args);
			continue;
		}
		mi = mem_operand(s);
		if (mi >= 0 && tg_access(s, mi, g->wr) && s->op[mi].base == g->b) {
			struct stmt t = *s;

			snprintf(t.op[mi].disp, sizeof(t.op[mi].disp), "%d",
				 atoi(s->op[mi].disp) - g->lo);
			t.op[mi].base = 11;
			fmt_insn(&t, insn, sizeof(insn));
			fprintf(c->out, "%s\n", insn);
			c->st->insns_in++;
			if (s->prefix[0])
				c->st->lock_sites++;
			continue;
		}
		if (rewrite_insn(c, k))
			return -1;
	}
	return 0;
}

static int try_tgroup(struct ctx *c, int i)
{
	struct program *p = c->p;
	struct tgrun g;
	struct stats keep;
	bool flags;
	int site;

	if (!tg_find(c, i, &g) || !c->tg_ok[g.wr ? 2 : g.q][g.hi - g.lo])
		return 0;
	flags = flags_live_in(p, i);
	site = c->site++;
	c->st->mem_sites += g.naccess;
	c->st->thunk_sites++;
	c->st->tgroups++;
	c->st->tgroup_accesses += g.naccess;
	if (flags) {
		fputs("\tpushfq\n", c->out);
		c->st->flags_saved++;
	}
	fprintf(c->out, "\tleaq\t%d(%%%s), %%r11\n\tcall\t__svm_%c%c%d_r11_r10\n", g.lo,
		reg_name(g.b, 8), g.q ? 'q' : 'p', g.wr ? 'w' : 'r', g.hi - g.lo);
	if (g.q)
		c->thunk_q[g.hi - g.lo] = 1;
	else
		c->thunk_used[g.wr][11][10][g.hi - g.lo] = 1;
	if (g.wr)
		fprintf(c->out, ".Lsvm_wret_%d:\n", site);
	if (flags)
		fputs("\tpopfq\n", c->out);
	if (tg_emit_run(c, i, &g))
		return -1;
	if (g.wr) {
		/* the fix-up: the run again on the bounce buffer, then the
		 * write-back (the run is straight line: one way out) */
		FILE *main_out = c->out, *fix;
		char *fbuf = NULL;
		size_t flen = 0;
		int rc;

		fprintf(c->out, ".Lsvm_done_%d:\n", site);
		fix = open_memstream(&fbuf, &flen);
		if (!fix)
			return -1;
		keep = *c->st;
		fprintf(fix, ".Lsvm_wfix_%d:\n%s", site, flags ? "\tpopfq\n" : "");
		c->out = fix;
		rc = tg_emit_run(c, i, &g);
		c->out = main_out;
		fprintf(fix, "\tcall\t__svm_miss_done\n\tjmp\t.Lsvm_done_%d\n", site);
		fclose(fix);
		*c->st = keep;		/* the same instructions: counted once */
		if (!rc)
			missf(c, "%s", fbuf);
		free(fbuf);
		if (rc)
			return -1;
		c->wfix[c->nwfix++] = site;
	}
	return g.last - i + 1;
}

/* Find jump-label and BUG annotations in the pushed sections. */
static int annotate(struct ctx *c)
{
	struct program *p = c->p;
	int i, j;

	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];
		bool jt, bt;
		int prev = -1, nl = 0, nw = 0;
		char tgt[128] = "", key[160] = "";
		long line = 0, flags = 0;

		if (s->kind != ST_DIR || strcmp(s->name, ".pushsection"))
			continue;
		jt = !strncmp(s->args, "__jump_table", 12);
		bt = !strncmp(s->args, "__bug_table", 11);
		if (!jt && !bt)
			continue;
		for (j = i - 1; j >= 0; j--)
			if (p->st[j].kind != ST_LABEL)
				break;
		prev = j;
		for (j = i + 1; j < p->nst && p->st[j].pushdepth; j++) {
			struct stmt *d = &p->st[j];

			if (d->kind != ST_DIR)
				continue;
			if (!strcmp(d->name, ".long") && ++nl == 2)
				sscanf(d->args, " %127[^ -]", tgt);
			if (!strcmp(d->name, ".quad"))
				snprintf(key, sizeof(key), "%s", d->args);
			if (!strcmp(d->name, ".word") && ++nw == 1)
				line = strtol(d->args, NULL, 0);
			if (!strcmp(d->name, ".word") && nw == 2)
				flags = strtol(d->args, NULL, 0);
		}
		if (prev < 0)
			continue;
		if (jt) {
			char *plus, *minus;
			long br;

			/* ".quad KEY + BRANCH - ." ; bit 1 only says "was a jmp" */
			minus = strstr(key, " - .");
			if (minus)
				*minus = 0;
			plus = strrchr(key, '+');
			if (!plus || !minus) {
				err_at(p->path, s->line, "cannot read jump table entry");
				return -1;
			}
			br = strtol(plus + 1, NULL, 0);
			*plus = 0;
			while (plus > key && plus[-1] == ' ')
				*--plus = 0;
			snprintf(c->jl_key[prev], sizeof(c->jl_key[prev]), "%s",
				 key[0] == ' ' ? key + 1 : key);
			c->jl_branch[prev] = br & 1;
			c->jl_target[prev] = label_stmt(p, tgt);
			if (c->jl_target[prev] < 0) {
				err_at(p->path, s->line, "jump label target %s unknown", tgt);
				return -1;
			}
		} else {
			c->bug_info[prev] = line | (flags << 16);
		}
	}
	return 0;
}

static bool keep_outside(struct ctx *c, const struct stmt *s)
{
	/* Outside functions: test mode keeps all data; the hypervisor
	 * instance keeps only its own read-only data (the rest is the
	 * driver VM's, reached through SVM by symbol). */
	if (s->pushdepth || (s->kind == ST_DIR && (!strcmp(s->name, ".pushsection") ||
						  !strcmp(s->name, ".popsection"))))
		return false;
	if (c->opt->test_mode)
		return true;
	if (s->kind == ST_DIR && (!strcmp(s->name, ".section") ||
				  !strcmp(s->name, ".text") ||
				  !strcmp(s->name, ".data") ||
				  !strcmp(s->name, ".bss") ||
				  !strcmp(s->name, ".previous")))
		return true;
	if (s->kind == ST_DIR && !strcmp(s->name, ".file"))
		return true;
	if (!c->p->sec[s->section].ro || c->p->sec[s->section].text)
		return false;
	return c->chunk[s - c->p->st] < 0 || c->keep[c->chunk[s - c->p->st]];
}

static bool is_ro_outside(struct program *p, int i)
{
	struct stmt *s = &p->st[i];

	return s->func < 0 && !s->pushdepth && p->sec[s->section].ro &&
	       !p->sec[s->section].text;
}

static bool is_attr_dir(const struct stmt *s)
{
	static const char *const d[] = { ".align", ".p2align", ".balign", ".type",
					 ".size", ".globl", ".local", ".weak", NULL };
	int k;

	for (k = 0; d[k]; k++)
		if (s->kind == ST_DIR && !strcmp(s->name, d[k]))
			return true;
	return false;
}

/* Mark the chunks an identifier list refers to; returns how many were new. */
static int mark_refs(struct ctx *c, const char *e)
{
	int n = 0;

	while (*e) {
		char id[128];
		int k = 0, l;

		if (isdigit((unsigned char)*e)) {
			while (isalnum((unsigned char)*e))
				e++;
			continue;
		}
		if (!(isalpha((unsigned char)*e) || *e == '_' || *e == '.')) {
			e++;
			continue;
		}
		while ((isalnum((unsigned char)*e) || *e == '_' || *e == '.') && k < 127)
			id[k++] = *e++;
		id[k] = 0;
		l = label_stmt(c->p, id);
		if (l >= 0 && c->chunk[l] == l && !c->keep[l]) {
			c->keep[l] = true;
			n++;
		}
	}
	return n;
}

/*
 * The instance keeps only the read-only data objects its code refers to
 * (and what those refer to): e1000_netdev_ops, say, is read-only but
 * points at slow-path functions that are not part of the instance.
 */
static void ro_reachability(struct ctx *c)
{
	struct program *p = c->p;
	int i, k, cur = -1, changed;

	for (i = 0; i < p->nst; i++) {
		c->chunk[i] = -1;
		if (!is_ro_outside(p, i)) {
			cur = -1;
			continue;
		}
		if (p->st[i].kind == ST_LABEL && !isdigit_label(p->st[i].name))
			cur = i;
		c->chunk[i] = cur;
	}
	/* alignment/type directives belong to the object that follows them */
	for (i = p->nst - 1, cur = -1; i >= 0; i--) {
		if (!is_ro_outside(p, i)) {
			cur = -1;
			continue;
		}
		if (p->st[i].kind == ST_LABEL)
			cur = c->chunk[i];
		else if (!is_attr_dir(&p->st[i]))
			cur = -1;
		else if (cur >= 0)
			c->chunk[i] = cur;
	}
	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];

		if (s->func < 0 || !p->fn[s->func].in_closure || s->kind != ST_INSN)
			continue;
		for (k = 0; k < s->nops; k++)
			mark_refs(c, s->op[k].kind == OP_MEM ? s->op[k].disp : s->op[k].text);
	}
	do {
		changed = 0;
		for (i = 0; i < p->nst; i++)
			if (c->chunk[i] >= 0 && c->keep[c->chunk[i]] &&
			    p->st[i].kind == ST_DIR && !is_attr_dir(&p->st[i]))
				changed += mark_refs(c, p->st[i].args);
	} while (changed);
}

/*
 * Read-probe thunks: "call __svm_prS_A_B" with the effective address in A
 * returns the host address in A; B is clobbered, so are the flags.  The
 * hit path is the inline probe plus call and ret.
 */
static void emit_thunk(struct ctx *c, int w, int a, int b, int sz)
{
	const char *A = reg_name(a, 8), *B = reg_name(b, 8);
	const char *tag = w ? SVM_WTAG : "";
	char rw = w ? 'w' : 'r';

	fprintf(c->out,
		"__svm_p%c%d_%s_%s:\n"
		"\tmovq\t%%%s, %%%s\n"
		"\tshrq\t$%d, %%%s\n"
		"\tandl\t$%d, %%%s\n"
		"\taddq\t__svm_tlbp(%%rip), %%%s\n"
		"\tsubq\t%s(%%%s), %%%s\n"
		"\tcmpq\t$%d, %%%s\n"
		"\tja\t.Lsvm_t%cmiss_%d_%s_%s\n"
		"%s"
		"\taddq\t8(%%%s), %%%s\n"
		"\tret\n"
		".Lsvm_t%cmiss_%d_%s_%s:\n"
		"\taddq\t%s(%%%s), %%%s\n"
		"\tpushq\t$%d\n\tpushq\t%%%s\n\tcall\t%s\n"
		"\tpopq\t%%%s\n\tpopq\t%%%s\n"
		"\tret\n",
		rw, sz, A, B, A, B,
		SVM_PAGE_SHIFT - SVM_ENTRY_SHIFT, B,
		((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT,
		reg_name(b, 4), B, tag, B, A,
		(1 << SVM_PAGE_SHIFT) - sz, A, rw, sz, A, B, hit_count(c), B, A,
		rw, sz, A, B, tag, B, A, sz | (w ? 0x40 : 0), A,
		w ? "__svm_wmiss" : "__svm_miss", A, B);
}

/* "__svm_qrS_r11_r10": a read thunk that keeps %r10 (the site's is live) */
static void emit_qthunk(struct ctx *c, int sz)
{
	fprintf(c->out,
		"__svm_qr%d_r11_r10:\n"
		"\tpushq\t%%r10\n"
		"\tmovq\t%%r11, %%r10\n"
		"\tshrq\t$%d, %%r10\n"
		"\tandl\t$%d, %%r10d\n"
		"\taddq\t__svm_tlbp(%%rip), %%r10\n"
		"\tsubq\t(%%r10), %%r11\n"
		"\tcmpq\t$%d, %%r11\n"
		"\tja\t.Lsvm_tqmiss_%d\n"
		"%s"
		"\taddq\t8(%%r10), %%r11\n"
		"\tpopq\t%%r10\n"
		"\tret\n"
		".Lsvm_tqmiss_%d:\n"
		"\taddq\t(%%r10), %%r11\n"
		"\tpushq\t$%d\n\tpushq\t%%r11\n\tcall\t__svm_miss\n"
		"\tpopq\t%%r11\n\tpopq\t%%r10\n\tpopq\t%%r10\n"
		"\tret\n",
		sz, SVM_PAGE_SHIFT - SVM_ENTRY_SHIFT,
		((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT,
		(1 << SVM_PAGE_SHIFT) - sz, sz, hit_count(c), sz, sz);
}

static void emit_thunks(struct ctx *c)
{
	int k;

	fputs("\n\t.section\t.text.twin_thunks,\"ax\",@progbits\n", c->out);
	/* k walks [write][rA][rB][size] in order */
	for (k = 0; k < 2 * 16 * 16 * (THUNK_MAX + 1); k++) {
		int w = k / (16 * 16 * (THUNK_MAX + 1)), a = k / (16 * (THUNK_MAX + 1)) % 16;
		int b = k / (THUNK_MAX + 1) % 16, sz = k % (THUNK_MAX + 1);

		if (!c->thunk_used[w][a][b][sz])
			continue;
		c->st->thunks++;
		emit_thunk(c, w, a, b, sz);
	}
	for (k = 1; k <= THUNK_MAX; k++)
		if (c->thunk_q[k]) {
			c->st->thunks++;
			emit_qthunk(c, k);
		}
}

/*
 * Statements inside a tight loop: between a label and a later jump back to
 * it at most LOOP_INLINE_MAX statements on.  Reads there keep the inline
 * probe (two instructions fewer per access); e1000's ring-cleaning loops
 * are hundreds of statements long and get thunks.
 */
#define LOOP_INLINE_MAX 24

static void find_loops(struct ctx *c)
{
	struct program *p = c->p;
	int j, l, k;

	for (j = 0; j < p->nst; j++) {
		struct stmt *s = &p->st[j];

		if (s->kind != ST_INSN || !(s->isa->flags & (I_JMP | I_JCC)) ||
		    s->op[0].kind != OP_SYM || !is_local_label(s->op[0].text))
			continue;
		l = label_stmt(p, s->op[0].text);
		/* only tight loops, where the probe dominates the iteration */
		if (l < 0 || l > j || j - l > LOOP_INLINE_MAX)
			continue;
		/* a call costs more than what an inline probe saves */
		for (k = l; k <= j; k++)
			if (p->st[k].kind == ST_INSN && (p->st[k].isa->flags & I_CALL))
				break;
		if (k <= j)
			continue;
		for (k = l; k <= j; k++)
			c->in_loop[k] = true;
	}
}

static void emit_stubs(struct ctx *c)
{
	int i, id = 0;
	char nb[200];

	emit_thunks(c);
	fputs("\n\t.section\t.text.twin_stubs,\"ax\",@progbits\n", c->out);
	for (i = 0; i < c->pol->n; i++) {
		struct pentry *e = &c->pol->e[i];

		if (e->kind != 'e' || !e->used || e->bind == B_HV)
			continue;
		bound_name(c, e->name, nb, sizeof(nb));
		fprintf(c->out, "%s:\n", nb);
		if (e->bind == B_STUB)
			fputs("\txorl\t%eax, %eax\n\tret\n", c->out);
		else
			fprintf(c->out, "\tmovl\t$%d, %%r11d\n\tjmp\t%s\n", id,
				e->bind == B_UPCALL ? "__twin_upcall" : "__twin_denied");
		id++;
	}
	/* Fix-up paths of thunked writes: {thunk's return address, fix-up}. */
	fputs("\t.section\t.rodata.twin_wfix,\"a\",@progbits\n"
	      "\t.balign 8\n\t.globl\t__twin_wfix_table\n"
	      "__twin_wfix_table:\n", c->out);
	for (i = 0; i < c->nwfix; i++)
		fprintf(c->out, "\t.quad\t.Lsvm_wret_%d, .Lsvm_wfix_%d\n",
			c->wfix[i], c->wfix[i]);
	fputs("\t.quad\t0, 0\n", c->out);
	/* Dispatch table for indirect calls: {VM address, instance entry}. */
	fputs("\t.section\t.rodata.twin_dispatch,\"a\",@progbits\n"
	      "\t.balign 8\n\t.globl\t__twin_dispatch_table\n"
	      "__twin_dispatch_table:\n", c->out);
	for (i = 0; i < c->pol->n; i++) {
		struct pentry *e = &c->pol->e[i];

		if (e->kind != 'i')
			continue;
		if (c->opt->test_mode)
			fprintf(c->out, "\t.quad\t%s, %s\n", e->name, e->name);
		else
			fprintf(c->out, "\t.quad\t__vm__%s, %s\n", e->name, e->name);
	}
	fputs("\t.quad\t0, 0\n", c->out);
	/* Hypervisor-side per-CPU emulation variables. */
	for (i = 0; i < c->pol->n; i++) {
		struct pentry *e = &c->pol->e[i];

		if (e->kind == 'p' && e->bind == P_HV && e->used)
			fprintf(c->out, "\t.local\t__twin_pcpu_%s\n"
				"\t.comm\t__twin_pcpu_%s,256,64\n", e->name, e->name);
	}
}

int rewrite_emit(struct program *p, struct policy *pol, struct options *opt,
		 const char *out, struct stats *st)
{
	struct ctx c = { .p = p, .pol = pol, .opt = opt, .st = st };
	int i, rc = 0;

	st->count_hits = opt->count_hits && !opt->passthrough;
	c.out = fopen(out, "w");
	if (!c.out) {
		err_at(out, 0, "cannot write: %m");
		return -1;
	}
	c.miss = malloc(MISS_MAX);
	c.jl_target = malloc(p->nst * sizeof(int));
	c.jl_key = calloc(p->nst, sizeof(*c.jl_key));
	c.jl_branch = calloc(p->nst, sizeof(int));
	c.bug_info = malloc(p->nst * sizeof(long));
	c.chunk = malloc(p->nst * sizeof(int));
	c.keep = calloc(p->nst, sizeof(bool));
	c.in_loop = calloc(p->nst, sizeof(bool));
	c.wfix = malloc(p->nst * sizeof(int));
	for (i = 0; i < p->nst; i++) {
		c.jl_target[i] = -1;
		c.bug_info[i] = -1;
	}
	if (cgoto_tables(p))
		rc = -1;
	ro_reachability(&c);
	find_loops(&c);
	if (annotate(&c))
		rc = -1;
	if (!rc && !opt->passthrough && !opt->no_groups)
		tg_plan(&c);
	fprintf(c.out, "# derived by twinc from %s: do not edit\n", p->path);
	for (i = 0; i < p->nst && !rc; i++) {
		struct stmt *s = &p->st[i];
		bool inside = s->func >= 0;

		if (inside && !p->fn[s->func].in_closure)
			continue;
		if (!inside) {
			if (!keep_outside(&c, s))
				continue;
		} else if (s->pushdepth || (s->kind == ST_DIR &&
			   (!strcmp(s->name, ".pushsection") ||
			    !strcmp(s->name, ".popsection")))) {
			continue;	/* bug/jump/lock tables: not for the instance */
		}
		if (s->kind == ST_LABEL) {
			if (!opt->passthrough && shadow_entry_label(p, i)) {
				fprintf(c.out, "%s:\n", s->name);
				shadow_push(c.out, shadow_room(p, i));
				st->rs_entries++;
				continue;
			}
			if (inside && !opt->passthrough && !opt->no_windows) {
				int n = try_window(&c, i);

				if (n < 0) {
					rc = -1;
					break;
				}
				if (n > 0) {
					i += n - 1;
					continue;
				}
			}
			if (!isdigit_label(s->name))
				fprintf(c.out, "%s:\n", s->name);
			continue;
		}
		if (opt->passthrough && s->kind == ST_INSN) {
			char insn[512];

			fmt_insn(s, insn, sizeof(insn));
			fprintf(c.out, "%s\n", insn);
			continue;
		}
		if (s->kind == ST_DIR) {
			if (inside && !strcmp(s->name, ".byte") && !opt->passthrough) {
				if (c.bug_info[i] >= 0 || !strcmp(s->args, "0x0f, 0x0b") ||
				    !strcmp(s->args, "0x0f,0x0b")) {
					fprintf(c.out, "\tpushq\t$%ld\n\tcall\t__twin_bug\n"
						"\tleaq\t8(%%rsp), %%rsp\n",
						c.bug_info[i] < 0 ? 0 : c.bug_info[i]);
					st->bug_sites++;
					continue;
				}
				if (c.jl_target[i] >= 0) {
					if (rewrite_insn(&c, i) && (rc = -1))
						break;
					continue;
				}
				err_at(p->path, s->line, "raw bytes in code: .byte %s", s->args);
				rc = -1;
				break;
			}
			if (!strcmp(s->name, ".set") || !strcmp(s->name, ".equ")) {
				char a[128], b[128];
				int fb;

				/* the instance needs no alias (its operands name
				 * the target, asm.c); a test keeps those whose
				 * target it keeps, for the harness */
				if (!opt->test_mode)
					continue;
				fb = alias_args(s->args, a, b, sizeof(a)) ? find_func(p, b) : -1;
				if (fb >= 0 && !p->fn[fb].in_closure)
					continue;
			}
			fprintf(c.out, "\t%s\t%s\n", s->name, s->args);
			continue;
		}
		if (!strcmp(s->name, "ud2")) {
			fputs("\tpushq\t$0\n\tcall\t__twin_bug\n\tleaq\t8(%rsp), %rsp\n",
			      c.out);
			st->bug_sites++;
			continue;
		}
		if (!opt->no_groups) {
			/* outside tight loops a run is probed through a thunk,
			 * inside them (or with --thunks off) inline */
			int n = thunk_context(&c, i) ? try_tgroup(&c, i) : try_group(&c, i);

			if (n < 0) {
				rc = -1;
				break;
			}
			if (n > 0) {
				i += n - 1;
				continue;
			}
		}
		if (rewrite_insn(&c, i))
			rc = -1;
	}
	if (!rc && !opt->passthrough) {
		fputs("\n\t.section\t.text.twin_miss,\"ax\",@progbits\n", c.out);
		fwrite(c.miss, 1, c.misslen, c.out);
		emit_stubs(&c);
	}
	if (fclose(c.out))
		rc = -1;
	free(c.miss);
	free(c.jl_target);
	free(c.jl_key);
	free(c.jl_branch);
	free(c.bug_info);
	free(c.chunk);
	free(c.keep);
	free(c.in_loop);
	free(c.wfix);
	if (rc)
		unlink(out);
	return rc;
}
