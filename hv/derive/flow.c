// SPDX-License-Identifier: GPL-2.0
/*
 * Liveness, forward and conservative: a fact ("flags are dead", "this
 * register is dead") holds only if every path from the site kills it before
 * a use.  Anything the walk does not understand (a section switch, an
 * implicit-operand instruction, a too-long walk) counts as a use, so a
 * mistake costs a pushfq or a push, never a wrong result.
 */
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

#define WALK_LIMIT 4000

static int *seen, seen_cap, gen;
int flow_why;		/* statement that made the last walk conservative */

static void walk_reset(struct program *p)
{
	if (seen_cap < p->nst) {
		free(seen);
		seen = calloc(p->nst, sizeof(int));
		seen_cap = p->nst;
		gen = 0;
	}
	gen++;
}

int mem_operand(const struct stmt *s)
{
	int i;

	for (i = 0; i < s->nops; i++)
		if (s->op[i].kind == OP_MEM)
			return i;
	return -1;
}

bool stmt_mentions_reg(const struct stmt *s, int reg)
{
	int i;

	for (i = 0; i < s->nops; i++) {
		const struct operand *o = &s->op[i];

		if (o->kind == OP_REG && o->reg == reg)
			return true;
		if (o->kind == OP_MEM && (o->base == reg || o->index == reg))
			return true;
	}
	return false;
}

/* Size in bytes of the memory access of s (opsize from the suffix). */
int operand_size(const struct stmt *s, int opsize)
{
	int i;

	if ((!strncmp(s->name, "movz", 4) || !strncmp(s->name, "movs", 4)) &&
	    strlen(s->name) == 6)
		return s->name[4] == 'b' ? 1 : s->name[4] == 'w' ? 2 : 4;
	if (s->isa->flags & (I_CALL | I_JMP | I_PUSHPOP))
		return 8;
	if (!strncmp(s->name, "set", 3))
		return 1;
	if (opsize)
		return opsize;
	for (i = 0; i < s->nops; i++)
		if (s->op[i].kind == OP_REG)
			return s->op[i].width;
	return 8;
}

enum { DEAD, LIVE, NEXT };

/* Successors of a control transfer to a local label; -1 if none known. */
static int target(struct program *p, const struct stmt *s)
{
	if (s->nops == 1 && s->op[0].kind == OP_SYM && !s->op[0].star &&
	    is_local_label(s->op[0].text))
		return label_stmt(p, s->op[0].text);
	return -1;
}

static bool is_section_switch(const struct stmt *s)
{
	return s->kind == ST_DIR &&
	       (!strcmp(s->name, ".section") || !strcmp(s->name, ".text") ||
		!strcmp(s->name, ".previous") || !strcmp(s->name, ".data") ||
		!strcmp(s->name, ".size"));
}

typedef int (*visit_fn)(struct program *p, const struct stmt *s, int arg);

/* Depth-first walk from statement i; visit() says DEAD, LIVE or NEXT. */
static bool walk(struct program *p, int i, visit_fn visit, int arg)
{
	int stack[512], sp = 0, steps = 0;

	walk_reset(p);
	stack[sp++] = i;
	while (sp) {
		int j = stack[--sp];

		for (; j < p->nst; j++) {
			const struct stmt *s = &p->st[j];
			int r, t;

			if (seen[j] == gen)
				break;
			seen[j] = gen;
			flow_why = j;
			if (++steps > WALK_LIMIT)
				return true;
			if (s->pushdepth)
				continue;
			if (is_section_switch(s))
				return true;
			if (s->kind != ST_INSN)
				continue;
			r = visit(p, s, arg);
			if (r == LIVE)
				return true;
			if (r == DEAD)
				break;
			if (s->isa->flags & (I_JMP | I_JCC)) {
				t = target(p, s);
				if (t < 0)
					return true;
				if (sp == 512)
					return true;
				stack[sp++] = t;
				/* an unconditional jump ends this path, unless it
				 * is an inline-asm jump label (may be a NOP) */
				if ((s->isa->flags & I_JMP) && !s->in_app)
					break;
			}
		}
		if (j >= p->nst)
			return true;
	}
	return false;
}

static int flags_visit(struct program *p, const struct stmt *s, int arg)
{
	unsigned f = s->isa->flags;

	(void)p; (void)arg;
	/* shifts by a non-zero immediate write SF/ZF/PF/CF (OF, AF undefined):
	 * nothing may read flags they did not set, so they end liveness */
	if ((!strncmp(s->name, "sh", 2) || !strncmp(s->name, "sa", 2)) &&
	    s->nops == 2 && s->op[0].kind == OP_IMM && atoi(s->op[0].text) > 0)
		return DEAD;
	if (f & I_FR)
		return LIVE;
	if (f & (I_FW | I_CALL | I_RET))
		return DEAD;
	if ((f & I_JMP) && target(p, s) < 0)
		return DEAD;	/* tail call: flags do not survive calls */
	return NEXT;
}

bool flags_live_in(struct program *p, int i)
{
	return walk(p, i, flags_visit, 0);
}

static bool is_arg_reg(int r)
{
	/* rdi rsi rdx rcx r8 r9, and rax (%al carries the vararg count) */
	return r == 7 || r == 6 || r == 2 || r == 1 || r == 8 || r == 9 || r == 0;
}

static bool is_callee_saved(int r)
{
	return r == 3 || r == 5 || (r >= 12 && r <= 15);
}

static int reg_visit(struct program *p, const struct stmt *s, int r)
{
	unsigned f = s->isa->flags;
	const struct operand *last = s->nops ? &s->op[s->nops - 1] : NULL;
	int i;

	if (f & I_CALL) {
		if (s->op[0].kind == OP_MEM && stmt_mentions_reg(s, r))
			return LIVE;
		if (s->op[0].kind == OP_REG && s->op[0].reg == r)
			return LIVE;
		if (is_arg_reg(r))
			return LIVE;
		return is_callee_saved(r) ? NEXT : DEAD;
	}
	if (f & I_RET)
		return (r == 0 || r == 2 || is_callee_saved(r)) ? LIVE : DEAD;
	if ((f & I_JMP) && target(p, s) < 0)	/* tail call */
		return (r == 10 || r == 11) && !stmt_mentions_reg(s, r) ?
			DEAD : LIVE;
	if (f & I_IMPL)
		return LIVE;
	if (!stmt_mentions_reg(s, r))
		return NEXT;
	/* A full write of r that does not read it first ends its life. */
	if (last && last->kind == OP_REG && last->reg == r && last->width >= 4) {
		bool reads = false;

		if (!strcmp(s->name, "xorl") || !strcmp(s->name, "xorq"))
			if (s->nops == 2 && s->op[0].kind == OP_REG &&
			    s->op[0].reg == r)
				return DEAD;
		if (!(f & I_DSTW))
			return LIVE;
		for (i = 0; i < s->nops - 1; i++) {
			const struct operand *o = &s->op[i];

			if ((o->kind == OP_REG && o->reg == r) ||
			    (o->kind == OP_MEM && (o->base == r || o->index == r)))
				reads = true;
		}
		return reads ? LIVE : DEAD;
	}
	return LIVE;
}

/* Is reg dead right after statement i (so a probe before i may clobber it)? */
bool reg_dead_after(struct program *p, int i, int reg)
{
	return !walk(p, i + 1, reg_visit, reg);
}

/* Is reg dead on entry to statement j (e.g. a jump label's other target)? */
bool reg_dead_at(struct program *p, int j, int reg)
{
	return !walk(p, j, reg_visit, reg);
}

/*
 * Bytes below the return address at statement i (pushes, constant
 * %rsp steps, "leave" back to the depth of "movq %rsp, %rbp"), the same
 * on every path from its function's entry; -1 if that is not so or
 * cannot be told.  For bounding indexed stack operands.
 */
int stack_depth_at(struct program *p, int i)
{
	int f = p->st[i].func, *d, *fpd, *stack, sp = 0, res;

	if (f < 0)
		return -1;
	if (p->fn[f].parent >= 0)
		f = p->fn[f].parent;	/* a .cold part is entered from its function */
	d = malloc(p->nst * sizeof(int));
	fpd = malloc(p->nst * sizeof(int));	/* depth %rbp holds, or -1 */
	stack = malloc(p->nst * sizeof(int));
	memset(d, 0xff, p->nst * sizeof(int));
	memset(fpd, 0xff, p->nst * sizeof(int));
	d[p->fn[f].first] = 0;
	stack[sp++] = p->fn[f].first;
	res = 0;
	while (sp && res == 0) {
		int k = stack[--sp], dep = d[k], fp = fpd[k];

		for (; k < p->nst; k++) {
			const struct stmt *s = &p->st[k];
			const struct operand *last = s->nops ? &s->op[s->nops - 1] : NULL;
			unsigned fl;
			int t = -1;

			if (d[k] >= 0 && (d[k] != dep || fpd[k] != fp)) {
				res = -1;	/* two depths meet */
				break;
			}
			d[k] = dep;
			fpd[k] = fp;
			if (s->kind == ST_DIR && is_section_switch(s))
				break;
			if (s->kind != ST_INSN || s->pushdepth)
				continue;
			fl = s->isa->flags;
			if (!strcmp(s->name, "leave")) {
				if (fp < 8)
					res = -1;
				dep = fp - 8;
				fp = -1;
			} else if (!strcmp(s->name, "movq") && s->nops == 2 &&
				   s->op[0].kind == OP_REG && s->op[0].reg == REG_RSP &&
				   last->kind == OP_REG && last->reg == 5) {
				fp = dep;
			} else if (stmt_mentions_reg(s, 5) &&
				   ((last->kind == OP_REG && last->reg == 5 &&
				     (fl & (I_DSTW | I_DSTRW)) && strncmp(s->name, "push", 4)) ||
				    !strncmp(s->name, "xchg", 4) || !strncmp(s->name, "xadd", 4) ||
				    !strncmp(s->name, "cmpxchg", 7))) {
				fp = -1;	/* %rbp written otherwise */
			}
			if (fl & I_PUSHPOP) {
				dep += !strncmp(s->name, "push", 4) ? 8 : -8;
			} else if (last && last->kind == OP_REG && last->reg == REG_RSP &&
				   last->width == 8 && s->nops == 2) {
				const struct operand *o = &s->op[0];

				if (!strcmp(s->name, "subq") && o->kind == OP_IMM)
					dep += strtol(o->text, NULL, 0);
				else if (!strcmp(s->name, "addq") && o->kind == OP_IMM)
					dep -= strtol(o->text, NULL, 0);
				else if (!strcmp(s->name, "leaq") && o->kind == OP_MEM &&
					 o->base == REG_RSP && o->index < 0)
					dep -= strtol(o->disp, NULL, 0);
				else
					res = -1;
			}
			if (dep < 0 || res)
				res = -1;
			if (res)
				break;
			if (fl & (I_JMP | I_JCC)) {
				t = target(p, s);
				if (t >= 0 && d[t] < 0) {
					d[t] = dep;
					fpd[t] = fp;
					stack[sp++] = t;
				} else if (t >= 0 && (d[t] != dep || fpd[t] != fp)) {
					res = -1;
				}
			}
			if (fl & (I_JMP | I_RET))
				break;
			if (k + 1 < p->nst && d[k + 1] >= 0) {
				if (d[k + 1] != dep || fpd[k + 1] != fp)
					res = -1;
				break;
			}
		}
	}
	res = res ? -1 : d[i];
	free(d);
	free(fpd);
	free(stack);
	return res;
}
