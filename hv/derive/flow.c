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

bool operand_mentions_reg(const struct operand *o, int reg)
{
	return (o->kind == OP_REG && o->reg == reg) ||
	       (o->kind == OP_MEM && (o->base == reg || o->index == reg));
}

bool stmt_mentions_reg(const struct stmt *s, int reg)
{
	int i;

	for (i = 0; i < s->nops; i++)
		if (operand_mentions_reg(&s->op[i], reg))
			return true;
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

/* f, or for "f.cold" f: the function a .cold part belongs to */
static int family(struct program *p, int f)
{
	return p->fn[f].parent >= 0 ? p->fn[f].parent : f;
}

/* "jmp *X" with the labels of its function's read-only tables known */
bool is_cgoto(struct program *p, const struct stmt *s)
{
	return s->kind == ST_INSN && (s->isa->flags & I_JMP) && s->nops == 1 &&
	       s->op[0].star && s->func >= 0 && p->fn[family(p, s->func)].ncgt > 0;
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
			if (is_cgoto(p, s)) {
				const struct func *fn = &p->fn[family(p, s->func)];

				/* a computed goto: every label of its tables */
				if (sp + fn->ncgt > 512)
					return true;
				for (t = 0; t < fn->ncgt; t++)
					stack[sp++] = fn->cgt[t];
				break;
			}
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
	if ((f & I_JMP) && target(p, s) < 0 && !is_cgoto(p, s))
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
	if ((f & I_JMP) && target(p, s) < 0 && !is_cgoto(p, s))	/* tail call */
		return (r == 10 || r == 11) && !stmt_mentions_reg(s, r) ?
			DEAD : LIVE;
	if (!strcmp(s->name, "leave"))	/* %rsp = %rbp; pop %rbp */
		return r == REG_RBP ? LIVE : NEXT;
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
		for (i = 0; i < s->nops - 1; i++)
			reads |= operand_mentions_reg(&s->op[i], r);
		return reads ? LIVE : DEAD;
	}
	return LIVE;
}

/* Is reg dead right after statement i (so a probe before i may clobber it)? */
bool reg_dead_after(struct program *p, int i, int reg)
{
	if (is_cgoto(p, &p->st[i])) {
		const struct func *fn = &p->fn[family(p, p->st[i].func)];
		int k;

		/* after a computed goto: at every label it may go to */
		for (k = 0; k < fn->ncgt; k++)
			if (walk(p, fn->cgt[k], reg_visit, reg))
				return false;
		return true;
	}
	return !walk(p, i + 1, reg_visit, reg);
}

/* Is reg dead on entry to statement j (e.g. a jump label's other target)? */
bool reg_dead_at(struct program *p, int j, int reg)
{
	return !walk(p, j, reg_visit, reg);
}

/*
 * The stack at every statement of i's function (struct frame): a forward
 * walk from the function's entry over fall-through, direct jumps and
 * computed gotos.  Pushes and constant steps move the depth; "andq
 * $-2^k, %rsp" lowers it by up to 2^k-1 and a dynamic "subq %r, %rsp" by
 * VLA_PAD + dyn (twinc bounds the amount, rewrite.c): a range from there
 * on; "leave", "leaq D(%rX), %rsp" and "movq %rX, %rsp" with rX holding
 * %rsp of an exact depth make it exact again.  Where paths meet, exact
 * depths must agree and ranges join.  *fail says where the depth could not
 * be told: another write of %rsp, paths that disagree, a range that grows
 * in a loop.  Cached for the last function and dyn asked about.
 */
static bool frame_join(struct frame *d, const struct frame *s, bool *changed)
{
	int r;

	*changed = false;
	if (d->lo < 0) {
		*d = *s;
		*changed = true;
		return true;
	}
	if (!d->ranged && !s->ranged && d->lo != s->lo)
		return false;
	if (d->ranged || s->ranged) {
		int lo = s->lo < d->lo ? s->lo : d->lo, hi = s->hi > d->hi ? s->hi : d->hi;

		if (!d->ranged || lo != d->lo || hi != d->hi) {
			d->lo = lo;
			d->hi = hi;
			d->ranged = true;
			*changed = true;
		}
	}
	for (r = 0; r < 16; r++)
		if (d->sv[r] != s->sv[r] && d->sv[r] >= 0) {
			d->sv[r] = -1;
			*changed = true;
		}
	return !d->ranged || d->hi <= TWIN_FRAME_MAX;
}

static bool is_rsp_copy(const struct stmt *s, int *r)
{
	if (strcmp(s->name, "movq") || s->nops != 2 || s->op[0].kind != OP_REG ||
	    s->op[0].reg != REG_RSP || s->op[1].kind != OP_REG || s->op[1].reg >= 16 ||
	    s->op[1].reg == REG_RSP)
		return false;
	*r = s->op[1].reg;
	return true;
}

/* what s does to the registers holding %rsp and to the depth; false: unknown */
static bool frame_step(const struct stmt *s, struct frame *st, int dyn)
{
	const struct operand *last = s->nops ? &s->op[s->nops - 1] : NULL;
	unsigned fl = s->isa->flags;
	int r;

	if (!strcmp(s->name, "leave")) {
		if (st->sv[REG_RBP] < 8)
			return false;
		st->lo = st->hi = st->sv[REG_RBP] - 8;
		st->ranged = false;
		st->sv[REG_RBP] = -1;
		return true;
	}
	if (is_rsp_copy(s, &r)) {
		st->sv[r] = st->ranged ? -1 : st->lo;
	} else {
		for (r = 0; r < 16; r++) {
			if (r == REG_RSP || st->sv[r] < 0 || !stmt_mentions_reg(s, r) ||
			    !((last->kind == OP_REG && last->reg == r &&
			       (fl & (I_DSTW | I_DSTRW)) && strncmp(s->name, "push", 4)) ||
			      !strncmp(s->name, "xchg", 4) || !strncmp(s->name, "xadd", 4) ||
			      !strncmp(s->name, "cmpxchg", 7)))
				continue;
			st->sv[r] = -1;	/* written otherwise */
		}
		/* implicit operands, and a call's caller-saved registers */
		for (r = 0; r < 16; r++)
			if (((fl & I_CALL) && r != 3 && r != REG_RBP && r < 12 && r != REG_RSP) ||
			    ((fl & I_IMPL) && !(fl & I_CALL) && (r <= 3 || r == 6 || r == 7)))
				st->sv[r] = -1;
	}
	if (fl & I_PUSHPOP) {
		r = !strncmp(s->name, "push", 4) ? 8 : -8;
		st->lo += r;
		st->hi += r;
	} else if (last && last->kind == OP_REG && last->reg == REG_RSP &&
		   last->width == 8 && s->nops == 2) {
		const struct operand *o = &s->op[0];
		long v = 0;

		if (!strcmp(s->name, "subq") && o->kind == OP_IMM) {
			v = -strtol(o->text, NULL, 0);
		} else if (!strcmp(s->name, "addq") && o->kind == OP_IMM) {
			v = strtol(o->text, NULL, 0);
		} else if (!strcmp(s->name, "leaq") && o->kind == OP_MEM &&
			   o->base == REG_RSP && o->index < 0) {
			v = strtol(o->disp, NULL, 0);
		} else if (!strcmp(s->name, "andq") && o->kind == OP_IMM) {
			v = strtol(o->text, NULL, 0);
			if (v >= 0 || (-v & (-v - 1)) || -v > TWIN_FRAME_MAX)
				return false;
			st->hi += -v - 1;
			st->ranged |= v != -1;
			v = 0;
		} else if (!strcmp(s->name, "subq") && o->kind == OP_REG && o->width == 8 &&
			   o->reg < 16 && o->reg != REG_RSP) {
			st->lo += VLA_PAD;
			st->hi += VLA_PAD + dyn;
			st->ranged = true;
		} else if ((!strcmp(s->name, "leaq") && o->kind == OP_MEM && o->index < 0 &&
			    o->base >= 0 && o->base < 16 && o->base != REG_RSP) ||
			   (!strcmp(s->name, "movq") && o->kind == OP_REG && o->reg < 16 &&
			    o->reg != REG_RSP)) {
			int b = o->kind == OP_MEM ? o->base : o->reg;
			char *end = "";

			if (o->kind == OP_MEM && o->disp[0])
				v = strtol(o->disp, &end, 0);
			if (*end || st->sv[b] < 0)
				return false;
			st->lo = st->hi = st->sv[b] - v;
			st->ranged = false;
			return st->lo >= 0;
		} else {
			return false;
		}
		st->lo -= v;
		st->hi -= v;
	}
	return st->lo >= 0 && (!st->ranged || st->hi <= TWIN_FRAME_MAX);
}

/* join st into statement t's frame, and queue t if that changed it */
static bool frame_flow(struct frame *fr, int t, const struct frame *st, int *stack,
		       int *sp, bool *queued)
{
	bool changed;

	if (!frame_join(&fr[t], st, &changed))
		return false;
	if (changed && !queued[t]) {
		queued[t] = true;
		stack[(*sp)++] = t;
	}
	return true;
}

const struct frame *stack_frames(struct program *p, int i, int dyn, int *fail)
{
	static struct frame *fr;
	static struct program *cp;
	static struct stmt *cst;
	static int cf = -1, cdyn, cnst, failed;
	int f = p->st[i].func, *stack, sp = 0, k, r;
	bool *queued, ok;

	*fail = i;
	if (f < 0)
		return NULL;
	f = family(p, f);
	if (cp == p && cst == p->st && cnst == p->nst && cf == f && cdyn == dyn) {
		*fail = failed;
		return fr;
	}
	cp = p;
	cst = p->st;
	cnst = p->nst;
	cf = f;
	cdyn = dyn;
	free(fr);
	fr = malloc(p->nst * sizeof(*fr));
	stack = malloc(p->nst * sizeof(int));
	queued = calloc(p->nst, sizeof(bool));
	for (k = 0; k < p->nst; k++)
		fr[k].lo = -1;
	k = p->fn[f].first;
	fr[k] = (struct frame){ .lo = 0, .hi = 0 };
	for (r = 0; r < 16; r++)
		fr[k].sv[r] = -1;
	stack[sp++] = k;
	queued[k] = true;
	ok = true;
	failed = -1;
	while (sp && ok) {
		struct frame st;
		int first;

		first = k = stack[--sp];
		queued[k] = false;
		st = fr[k];
		for (; k < p->nst; k++) {
			const struct stmt *s = &p->st[k];
			bool changed;
			int t;

			if (k != first) {	/* fallen into: a join */
				if (!frame_join(&fr[k], &st, &changed)) {
					ok = false;
					failed = k;
					break;
				}
				if (!changed)
					break;
				st = fr[k];
			}
			if (s->kind == ST_DIR && is_section_switch(s))
				break;
			if (s->kind != ST_INSN || s->pushdepth)
				continue;
			if (!frame_step(s, &st, dyn)) {
				ok = false;
				failed = k;
				break;
			}
			if (is_cgoto(p, s)) {
				for (t = 0; t < p->fn[f].ncgt && ok; t++)
					ok = frame_flow(fr, p->fn[f].cgt[t], &st, stack, &sp, queued);
				failed = ok ? -1 : k;
				break;
			}
			if ((s->isa->flags & (I_JMP | I_JCC)) && (t = target(p, s)) >= 0 &&
			    !frame_flow(fr, t, &st, stack, &sp, queued)) {
				ok = false;
				failed = k;
				break;
			}
			if (s->isa->flags & (I_JMP | I_RET))
				break;
		}
	}
	free(stack);
	free(queued);
	*fail = failed;
	return fr;
}

/*
 * Bytes below the return address at statement i, the same on every path
 * from its function's entry; -1 if that is not so or cannot be told (a
 * range after a run-time step).  For bounding indexed stack operands.
 */
int stack_depth_at(struct program *p, int i)
{
	int fail;
	const struct frame *fr = stack_frames(p, i, 0, &fail);

	return fail < 0 && fr[i].lo >= 0 && !fr[i].ranged ? fr[i].lo : -1;
}

static bool data_directive(const struct stmt *s)
{
	static const char *const d[] = { ".quad", ".8byte", ".long", ".4byte", ".int",
		".value", ".word", ".short", ".2byte", ".byte", NULL };
	int k;

	for (k = 0; d[k]; k++)
		if (!strcmp(s->name, d[k]))
			return true;
	return false;
}

/* each ".L" label of code that expression e names, and its function */
static const char *next_code_label(struct program *p, const char *e, int *l)
{
	char id[128];

	for (e = strstr(e, ".L"); e; e = strstr(e + 2, ".L")) {
		if (sscanf(e, "%127[A-Za-z0-9_.$]", id) != 1)
			continue;
		*l = label_stmt(p, id);
		if (*l >= 0 && p->sec[p->st[*l].section].text && p->st[*l].func >= 0)
			return e + 2;
	}
	return NULL;
}

/*
 * Computed goto ("goto *tab[i]": GCC's "jmp *tab(,%rdi,8)", or "movq
 * tab(,%rdi,8), %rax; jmp *%rax"): its targets are the labels of its
 * function that read-only data names (static const void *const tab[] =
 * { &&a, &&b }).  Fills in fn[].cgt of the closure's functions and marks
 * those labels.  Refused, one line: such a label in writable data (in
 * the instance, writable data is the driver VM's and holds its code
 * addresses), and in a function with an indirect jump, a label's address
 * taken by an instruction (a target no table names).
 */
int cgoto_tables(struct program *p)
{
	bool *star = calloc(p->nfn, sizeof(bool));
	const char *e;
	int i, l, f, k;

	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];

		if (s->kind == ST_INSN && s->func >= 0 && (s->isa->flags & I_JMP) &&
		    s->nops == 1 && s->op[0].star)
			star[family(p, s->func)] = true;
	}
	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];

		if (s->kind == ST_INSN && s->func >= 0 && star[family(p, s->func)] &&
		    p->fn[s->func].in_closure &&
		    !(s->isa->flags & (I_JMP | I_JCC | I_CALL))) {
			for (k = 0; k < s->nops; k++) {
				e = s->op[k].kind == OP_MEM ? s->op[k].disp : s->op[k].text;
				if (next_code_label(p, e, &l)) {
					err_at(p->path, s->line, "address of label %s taken by '%s' "
					       "in a function with a computed goto: not supported, its "
					       "targets must come from a read-only table",
					       p->st[l].name, s->name);
					free(star);
					return -1;
				}
			}
		}
		if (s->kind != ST_DIR || s->func >= 0 || s->pushdepth ||
		    p->sec[s->section].text || !data_directive(s))
			continue;
		for (e = s->args; (e = next_code_label(p, e, &l)); ) {
			f = family(p, p->st[l].func);
			if (!p->fn[f].in_closure)
				continue;
			if (!p->sec[s->section].ro) {
				err_at(p->path, s->line, "address of label %s of %s in writable "
				       "data: not supported, a computed goto's table must be "
				       "read-only (static const void *const)", p->st[l].name,
				       p->fn[f].name);
				free(star);
				return -1;
			}
			if (p->st[l].cg_target)
				continue;
			p->st[l].cg_target = true;
			p->fn[f].cgt = realloc(p->fn[f].cgt, (p->fn[f].ncgt + 1) * sizeof(int));
			p->fn[f].cgt[p->fn[f].ncgt++] = l;
		}
	}
	free(star);
	return 0;
}
