// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier re-reads twinc's output from the file, with no knowledge of
 * what the rewriter meant to do, and accepts it only if every memory
 * access is safe on every path, every transfer of control stays inside
 * the instance or goes to a bound symbol, and nothing privileged is left.
 *
 * Memory safety is a forward dataflow analysis over the file's control
 * flow (all text sections, every label a join point), which gives each
 * general register at each instruction one of:
 *
 *   INT [lo, hi]     an unsigned integer in that range (from a bounds
 *                    check "cmpq $K, %r; ja/jbe", a mask, a constant)
 *   PTR [a, b) w     [r + a, r + b) is memory the instance may access,
 *                    and write if w: part of a host page the TLB hands
 *                    out for the driver VM, or the runtime's buffer for
 *                    one page-crossing access
 *   ENT tag hit      r points at a TLB entry; hit: the probe that chose
 *                    it found its tag (tag 0 read, 1 write) matching
 *   TOP              anything
 *
 * A TLB probe is one exact unit of seven consecutive instructions (no
 * label among them, so nothing can enter it half way):
 *
 *	movq %rA,%rB; shrq $7,%rB; andl $8160,%eB; addq __svm_tlbp(%rip),%rB
 *	subq T(%rB),%rA; cmpq $K,%rA; ja MISS
 *
 * after which rA is INT [0, K] and rB is ENT (hit on the fall-through,
 * not on the branch).  "addq 8(%rB),%rA" then makes rA a PTR [-lo,
 * 4096-hi), and "movq 8(%rB),%rX" makes rX the page, PTR [0, 4096); the
 * write tag T = 16 is what lets a PTR be written.  The miss unit
 * "pushq $INFO; pushq %rA; call __svm_miss; popq %rA; popq %rB" leaves rA
 * PTR [0, INFO & 63), writable if INFO & 64; so does a call of a probe
 * thunk whose body checks out (checked by shape, below).  Constant adds,
 * moves and lea carry the facts along; joins keep only what holds on every
 * incoming path; any other write of a register makes it TOP.  A call can
 * change the TLB (a miss evicts an entry and the port releases its page),
 * so every PTR and ENT dies at a call, the probe units' calls included,
 * except for what the call itself returns.  Entry points (every non-local
 * label, every label whose address is taken) start with nothing known.
 *
 * An access is accepted if it is on the stack (%rsp plus a constant), on
 * the instance's own read-only data or runtime variables, a read of a TLB
 * entry through an ENT register, or covered by a PTR base (plus an INT
 * index, scaled); the hit counter "incq __svm_hits(%rip)" only right after
 * a probe unit's ja.  Besides:
 *   - every call and non-local jump goes to a function of the instance, a
 *     policy-bound symbol or an SVM runtime entry; nothing is indirect;
 *     probe thunks, write fix-ups and __svm_wmiss keep their exact shapes;
 *   - no privileged instruction, no data or alignment fill in code, no
 *     executable section that is not checked, no symbol alias, no
 *     execution running off the end of a section, and %rsp changes only
 *     by push/pop/call/ret or a constant adjustment.
 * Not modelled: the contents of the stack (return addresses and spilled
 * values are trusted to be the code's own; a stack operand with an index
 * register is refused, since its reach would depend on data).  The shadow
 * return stack's units are only recognised by shape (their runtime
 * accesses are allowed there); where they must stand, and that returns go
 * through them, is the machine-code verifier's to check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

static const char *const runtime_calls[] = {
	"__svm_miss", "__svm_miss_done", "__twin_dispatch", "__twin_bug", "__twin_rs_fail",
	"__svm_rep_stosq", "__svm_rep_movsq", "__twin_upcall", "__twin_denied",
	NULL
};

static bool is_insn(const struct stmt *s, const char *name)
{
	return s->kind == ST_INSN && !strcmp(s->name, name);
}

static bool is_reg(const struct operand *o, int r)
{
	return o->kind == OP_REG && o->reg == r;
}

static bool is_reg64(const struct operand *o)
{
	return o->kind == OP_REG && o->width == 8 && o->reg < 16 && o->reg != REG_RSP;
}

static bool is_mem(const struct operand *o, int base, const char *disp)
{
	return o->kind == OP_MEM && o->base == base && o->index < 0 &&
	       !o->seg[0] && !strcmp(o->disp, disp);
}

/* A plain decimal or hex constant ("" is 0 for a displacement). */
static bool number(const char *s, long long *v)
{
	char *end;

	if (!*s) {
		*v = 0;
		return true;
	}
	*v = strtoll(s, &end, 0);
	return !*end;
}

static bool imm(const struct operand *o, long long *v)
{
	return o->kind == OP_IMM && number(o->text, v);
}

static bool mem_writes(const struct stmt *s, int mi)
{
	if (!strncmp(s->name, "xchg", 4))
		return true;
	return mi == s->nops - 1 && (s->isa->flags & (I_DSTW | I_DSTRW));
}

/* The statement right after i if it is an instruction (no label between). */
static int strict_next(struct program *p, int i)
{
	return i >= 0 && i + 1 < p->nst && p->st[i + 1].kind == ST_INSN ? i + 1 : -1;
}

static bool rip_var(const struct operand *o, const char *n)
{
	return is_mem(o, REG_RIP, n);
}

static bool reg_q(const struct operand *o, int r)
{
	return is_reg(o, r) && o->width == 8;
}

static bool insn2(const struct stmt *s, const char *name, bool (*a)(const struct operand *),
		  bool (*b)(const struct operand *))
{
	return is_insn(s, name) && s->nops == 2 && !s->prefix[0] && a(&s->op[0]) && b(&s->op[1]);
}

static bool o_rsp_var(const struct operand *o) { return rip_var(o, "__twin_rsp"); }
static bool o_end_var(const struct operand *o) { return rip_var(o, "__twin_rs_end"); }
static bool o_min_var(const struct operand *o) { return rip_var(o, "__twin_stack_min"); }
static bool o_below_rsp(const struct operand *o)
{
	long long v;

	return o->kind == OP_MEM && o->base == REG_RSP && o->index < 0 && !o->seg[0] &&
	       number(o->disp, &v) && v < 0;
}
static bool o_r11(const struct operand *o) { return reg_q(o, 11); }
static bool o_r10(const struct operand *o) { return reg_q(o, 10); }
static bool o_at_rsp(const struct operand *o) { return is_mem(o, REG_RSP, ""); }
static bool o_at_r11(const struct operand *o) { return is_mem(o, 11, ""); }
static bool o_eight(const struct operand *o) { long long v; return imm(o, &v) && v == 8; }

static bool to_rs_fail(const struct stmt *s, const char *jcc)
{
	return is_insn(s, jcc) && s->nops == 1 && s->op[0].kind == OP_SYM &&
	       !strcmp(s->op[0].text, "__twin_rs_fail");
}

/*
 * The shadow return stack's units (shadow.c), by their exact shape: n
 * consecutive instructions from i, 0 if there is none.  Their accesses
 * of __twin_rsp, __twin_rs_end and the shadow stack are the runtime's;
 * where the units must stand is the machine-code verifier's to check.
 */
/* n instructions from i, with no label among them */
static bool consecutive(struct program *p, int i, int n)
{
	int k;

	for (k = i; k < i + n - 1; k++)
		if (strict_next(p, k) < 0)
			return false;
	return true;
}

static int rs_unit(struct program *p, int i)
{
	const struct stmt *s = p->st;

	if (consecutive(p, i, 9) &&
	    insn2(&s[i], "movq", o_rsp_var, o_r11) && insn2(&s[i + 1], "cmpq", o_end_var, o_r11) &&
	    to_rs_fail(&s[i + 2], "jae") && insn2(&s[i + 3], "leaq", o_below_rsp, o_r10) &&
	    insn2(&s[i + 4], "cmpq", o_min_var, o_r10) && to_rs_fail(&s[i + 5], "jb") &&
	    insn2(&s[i + 6], "movq", o_at_rsp, o_r10) &&
	    insn2(&s[i + 7], "movq", o_r10, o_at_r11) && insn2(&s[i + 8], "addq", o_eight, o_rsp_var))
		return 9;
	if (consecutive(p, i, 6) &&
	    insn2(&s[i], "subq", o_eight, o_rsp_var) && insn2(&s[i + 1], "movq", o_rsp_var, o_r11) &&
	    insn2(&s[i + 2], "movq", o_at_r11, o_r11) && insn2(&s[i + 3], "cmpq", o_r11, o_at_rsp) &&
	    to_rs_fail(&s[i + 4], "jne") &&
	    ((is_insn(&s[i + 5], "ret") && !s[i + 5].nops && !s[i + 5].prefix[0]) ||
	     (is_insn(&s[i + 5], "jmp") && s[i + 5].op[0].kind == OP_SYM)))
		return 6;
	return 0;
}

/* "incq __svm_hits(%rip)": the hit counter of --count-hits, exactly so */
static bool is_hit_count(const struct stmt *s)
{
	return is_insn(s, "incq") && s->nops == 1 && !s->prefix[0] &&
	       is_mem(&s->op[0], REG_RIP, SVM_HITS);
}

/*
 * A probe unit at i: seven consecutive instructions (see the top).  Fills
 * in rA, rB, the tag (0 read, 1 write), the bound K and the miss label.
 */
struct unit {
	int ra, rb, tag;
	long long k;
	const char *miss;
};

static bool probe_unit(struct program *p, int i, struct unit *u)
{
	struct stmt *s = &p->st[i];
	long long v;
	int k;

	for (k = 0; k < 7; k++)
		if (i + k >= p->nst || p->st[i + k].kind != ST_INSN)
			return false;
	if (!is_insn(s, "movq") || !is_reg64(&s->op[0]) || !is_reg64(&s->op[1]) ||
	    s->op[0].reg == s->op[1].reg)
		return false;
	u->ra = s->op[0].reg;
	u->rb = s->op[1].reg;
	s++;
	if (!is_insn(s, "shrq") || !imm(&s->op[0], &v) ||
	    v != SVM_PAGE_SHIFT - SVM_ENTRY_SHIFT || !is_reg(&s->op[1], u->rb))
		return false;
	s++;
	if (!is_insn(s, "andl") || !imm(&s->op[0], &v) ||
	    v != ((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT ||
	    !is_reg(&s->op[1], u->rb) || s->op[1].width != 4)
		return false;
	s++;
	if (!is_insn(s, "addq") || !is_mem(&s->op[0], REG_RIP, "__svm_tlbp") ||
	    !is_reg(&s->op[1], u->rb) || s->op[1].width != 8)
		return false;
	s++;
	if (!is_insn(s, "subq") || s->op[0].kind != OP_MEM || s->op[0].base != u->rb ||
	    s->op[0].index >= 0 || s->op[0].seg[0] || !is_reg(&s->op[1], u->ra))
		return false;
	if (!s->op[0].disp[0])
		u->tag = 0;
	else if (!strcmp(s->op[0].disp, SVM_WTAG))
		u->tag = 1;
	else
		return false;
	s++;
	if (!is_insn(s, "cmpq") || !imm(&s->op[0], &u->k) || u->k < 0 ||
	    u->k >= 1 << SVM_PAGE_SHIFT || !is_reg(&s->op[1], u->ra))
		return false;
	s++;
	if (!is_insn(s, "ja") || s->nops != 1 || s->op[0].kind != OP_SYM ||
	    !is_local_label(s->op[0].text))
		return false;
	u->miss = s->op[0].text;
	return s->prefix[0] == 0 && p->st[i].prefix[0] == 0;
}

/*
 * A miss unit at i: "pushq $INFO; pushq %rA; call ENTRY; popq %rA; popq %rB",
 * consecutive.  Fills in rA, the size and write bit of INFO, the entry.
 */
static bool miss_unit(struct program *p, int i, int *ra, int *size, int *write,
		      const char **entry)
{
	struct stmt *s = &p->st[i];
	long long info;
	int k;

	for (k = 0; k < 5; k++)
		if (i + k >= p->nst || p->st[i + k].kind != ST_INSN || p->st[i + k].prefix[0])
			return false;
	if (!is_insn(s, "pushq") || !imm(&s->op[0], &info) || info < 0 ||
	    (info & ~0x7f) || !(info & 0x3f))
		return false;
	if (!is_insn(s + 1, "pushq") || !is_reg64(&s[1].op[0]))
		return false;
	*ra = s[1].op[0].reg;
	if (!is_insn(s + 2, "call") || s[2].op[0].kind != OP_SYM ||
	    (strcmp(s[2].op[0].text, "__svm_miss") && strcmp(s[2].op[0].text, "__svm_wmiss")))
		return false;
	*entry = s[2].op[0].text;
	if (!is_insn(s + 3, "popq") || !is_reg(&s[3].op[0], *ra) ||
	    !is_insn(s + 4, "popq") || !is_reg64(&s[4].op[0]) || s[4].op[0].reg == *ra)
		return false;
	*size = info & 0x3f;
	*write = !!(info & 0x40);
	return true;
}

/* Label i is entered only by a jump: what precedes it cannot fall into it. */
static bool no_fall_in(struct program *p, int l)
{
	int k;

	for (k = l - 1; k >= 0 && p->st[k].kind == ST_LABEL; k--)
		;
	return k >= 0 && (p->st[k].kind == ST_DIR ||
			  (p->st[k].kind == ST_INSN &&
			   (p->st[k].isa->flags & (I_JMP | I_RET))));
}

/*
 * "__svm_prS_A_B", a probe thunk ("pw": write): defined in this file,
 * entered only at its label, and exactly
 *	L: <probe unit for A via B, bound 4096-S, write tag for pw>
 *	   [incq __svm_hits(%rip)]; addq 8(%B),%A; ret
 *	M: addq TAG(%B),%A; pushq $(S | w << 6); pushq %A
 *	   call __svm_miss (pr) or __svm_wmiss (pw); popq %A; popq %B; ret
 * with no label inside either straight line.  "__svm_qrS_A_B" (a read only)
 * is the same with B kept for the caller: "pushq %B" before the unit,
 * "popq %B" before each ret.  Returns A, S, w, M.
 */
static bool thunk_ok(struct program *p, const char *name, int *pa, int *ps,
		     int *pw, int *pm)
{
	char an[8], bn[8], tail, rw, kind;
	int sz, a, b, w, l, j, m, ra, size, wr, q;
	const char *entry;
	struct unit u;
	struct stmt *s;

	if (sscanf(name, "__svm_%c%c%d_%7[a-z0-9]_%7[a-z0-9]%c", &kind, &rw, &sz, an, bn,
		   &tail) != 5 || sz < 1 || sz > 63 || (rw != 'r' && rw != 'w') ||
	    (kind != 'p' && kind != 'q') || (kind == 'q' && rw != 'r'))
		return false;
	w = rw == 'w';
	q = kind == 'q';
	a = reg_parse(an, &wr);
	if (a < 0 || a > 15 || wr != 8 || a == REG_RSP)
		return false;
	b = reg_parse(bn, &wr);
	if (b < 0 || b > 15 || wr != 8 || b == REG_RSP || b == a)
		return false;
	l = label_stmt(p, name);
	if (l < 1 || p->st[l].kind != ST_LABEL || !p->sec[p->st[l].section].text ||
	    !no_fall_in(p, l))
		return false;
	if (q && ((j = strict_next(p, l)) < 0 || !is_insn(&p->st[j], "pushq") ||
		  !is_reg(&p->st[j].op[0], b) || p->st[j].op[0].width != 8))
		return false;
	if (!probe_unit(p, l + 1 + q, &u) || u.ra != a || u.rb != b ||
	    u.tag != w || u.k != (1 << SVM_PAGE_SHIFT) - sz)
		return false;
	j = l + 7 + q;
	if (strict_next(p, j) >= 0 && is_hit_count(&p->st[j + 1]))
		j++;
	if ((j = strict_next(p, j)) < 0 || !is_insn(s = &p->st[j], "addq") ||
	    !is_mem(&s->op[0], b, "8") || !is_reg(&s->op[1], a))
		return false;
	if (q && ((j = strict_next(p, j)) < 0 || !is_insn(&p->st[j], "popq") ||
		  !is_reg(&p->st[j].op[0], b)))
		return false;
	if ((j = strict_next(p, j)) < 0 || !is_insn(&p->st[j], "ret"))
		return false;
	/* the miss path the ja goes to */
	if ((m = label_stmt(p, u.miss)) < 0 || (j = strict_next(p, m)) < 0 ||
	    !is_insn(s = &p->st[j], "addq") ||
	    !is_mem(&s->op[0], b, w ? SVM_WTAG : "") || !is_reg(&s->op[1], a) ||
	    !miss_unit(p, j + 1, &ra, &size, &wr, &entry) || ra != a ||
	    p->st[j + 5].op[0].reg != b || size != sz || wr != w ||
	    strcmp(entry, w ? "__svm_wmiss" : "__svm_miss"))
		return false;
	j += 5;
	if (q && ((j = strict_next(p, j)) < 0 || !is_insn(&p->st[j], "popq") ||
		  !is_reg(&p->st[j].op[0], b)))
		return false;
	if ((j = strict_next(p, j)) < 0 || !is_insn(&p->st[j], "ret"))
		return false;
	*pa = a;
	*ps = sz;
	*pw = w;
	*pm = m;
	return true;
}

/* ".quad .Lsvm_wret_N, .Lsvm_wfix_N": the first a label right after a call
 * to a verified write thunk, the second a label in code */
static bool wfix_entry(struct program *p, const struct stmt *d, int *ret, int *fix)
{
	char x[128], y[128], tail;
	int k, a, sz, w, m;

	if (sscanf(d->args, "%127[^, ], %127[^, ]%c", x, y, &tail) != 2 ||
	    strncmp(y, ".Lsvm_wfix_", 11) || (*fix = label_stmt(p, y)) < 0 ||
	    !p->sec[p->st[*fix].section].text)
		return false;
	k = label_stmt(p, x);
	*ret = k;
	return k >= 1 && is_insn(&p->st[k - 1], "call") &&
	       p->st[k - 1].op[0].kind == OP_SYM &&
	       thunk_ok(p, p->st[k - 1].op[0].text, &a, &sz, &w, &m) && w;
}

/* "call __svm_wmiss" at i: in the miss path of a verified write thunk. */
static bool wmiss_ok(struct program *p, int i)
{
	char an[8], bn[8], name[64], tail;
	int sz, a, s2, w, m, l = i - 4;

	if (l < 0 || p->st[l].kind != ST_LABEL ||
	    sscanf(p->st[l].name, ".Lsvm_twmiss_%d_%7[a-z0-9]_%7[a-z0-9]%c", &sz, an,
		   bn, &tail) != 3)
		return false;
	snprintf(name, sizeof(name), "__svm_pw%d_%s_%s", sz, an, bn);
	return thunk_ok(p, name, &a, &s2, &w, &m) && w && m == l;
}

static bool call_ok(struct program *p, struct policy *pol, const char *t)
{
	int i, l;

	for (i = 0; runtime_calls[i]; i++)
		if (!strcmp(runtime_calls[i], t))
			return true;
	if (find_func(p, t) >= 0)
		return true;
	if (!strncmp(t, "__upcall_", 9) || !strncmp(t, "__stub_", 7) ||
	    !strncmp(t, "__deny_", 7)) {
		l = label_stmt(p, t);
		return l >= 0 && p->sec[p->st[l].section].text;
	}
	{
		struct pentry *e = policy_find(pol, 'e', t);

		return e && e->bind == B_HV;
	}
}

static bool own_var(struct program *p, const char *disp, bool write)
{
	char sym[128];
	int i = 0, l;

	while (disp[i] && disp[i] != '+' && disp[i] != '-' && i < 127) {
		sym[i] = disp[i];
		i++;
	}
	sym[i] = 0;
	if (!strncmp(sym, "__twin_pcpu_", 12))
		return true;
	if (write)
		return false;
	if (!strcmp(sym, "__svm_tlbp") || !strcmp(sym, "__twin_vm_percpu_base"))
		return true;
	l = label_stmt(p, sym);
	return l >= 0 && p->sec[p->st[l].section].ro;
}

/* ---- the dataflow ------------------------------------------------------ */

enum { V_TOP, V_INT, V_PTR, V_ENT, V_FP };	/* V_FP: %rbp = a frame's %rsp */

struct val {
	unsigned char k, w, tag, hit;
	long long a, b;			/* V_PTR */
	uint64_t lo, hi;		/* V_INT */
};

struct state {
	bool reached;
	unsigned short joins;
	struct val r[16];
};

#define PTR_LIMIT (1LL << 20)		/* offsets beyond this are TOP */
#define WIDEN_AFTER 16

static const struct val top = { .k = V_TOP };

static struct val v_int(uint64_t lo, uint64_t hi)
{
	return (struct val){ .k = V_INT, .lo = lo, .hi = hi };
}

static struct val v_ptr(long long a, long long b, int w)
{
	if (a >= b || a < -PTR_LIMIT || b > PTR_LIMIT)
		return top;
	return (struct val){ .k = V_PTR, .a = a, .b = b, .w = w };
}

/* r + c for a constant c */
static struct val v_add(struct val v, long long c)
{
	if (c < -PTR_LIMIT || c > PTR_LIMIT)
		return top;
	if (v.k == V_PTR)
		return v_ptr(v.a - c, v.b - c, v.w);
	if (v.k == V_INT) {
		uint64_t lo = v.lo + (uint64_t)c, hi = v.hi + (uint64_t)c;

		/* no wrap-around inside the interval */
		if ((c >= 0 && (lo < v.lo || hi < v.hi)) ||
		    (c < 0 && (lo > v.lo || hi > v.hi)))
			return top;
		return v_int(lo, hi);
	}
	return top;
}

/* x + y * scale: a pointer plus a bounded index, or two bounded integers */
static struct val v_add_index(struct val x, struct val y, int scale)
{
	if (y.k == V_INT && y.hi <= (uint64_t)PTR_LIMIT) {
		long long lo = (long long)y.lo * scale, hi = (long long)y.hi * scale;

		if (x.k == V_PTR)
			return v_ptr(x.a - lo, x.b - hi, x.w);
		if (x.k == V_INT && x.hi <= (uint64_t)PTR_LIMIT)
			return v_int(x.lo + lo, x.hi + hi);
	}
	if (scale == 1 && x.k == V_INT && y.k == V_PTR)
		return v_add_index(y, x, 1);
	return top;
}

static bool val_eq(const struct val *x, const struct val *y)
{
	if (x->k != y->k)
		return false;
	switch (x->k) {
	case V_INT: return x->lo == y->lo && x->hi == y->hi;
	case V_PTR: return x->a == y->a && x->b == y->b && x->w == y->w;
	case V_ENT: return x->tag == y->tag && x->hit == y->hit;
	}
	return true;
}

static struct val v_join(const struct val *x, const struct val *y, bool widen)
{
	if (x->k != y->k || x->k == V_TOP)
		return top;
	switch (x->k) {
	case V_INT:
		if (widen && (y->lo < x->lo || y->hi > x->hi))
			return top;
		return v_int(x->lo < y->lo ? x->lo : y->lo, x->hi > y->hi ? x->hi : y->hi);
	case V_PTR:
		return v_ptr(x->a > y->a ? x->a : y->a, x->b < y->b ? x->b : y->b,
			     x->w && y->w);
	case V_ENT:
		if (x->tag != y->tag)
			return top;
		return (struct val){ .k = V_ENT, .tag = x->tag, .hit = x->hit && y->hit };
	case V_FP:
		return *x;
	}
	return top;
}

struct vctx {
	struct program *p;
	struct policy *pol;
	const char *path;
	struct state *st;
	int *next;		/* next statement of the same section, -1 at its end */
	int *work, nwork;
	bool *queued;
	bool *covered;		/* inside a probe or miss unit */
	char *unit_at;		/* 'p' a probe unit starts here, 'm' a miss unit */
	int *fix_of;		/* call statement -> its write fix-up label, or -1 */
	bool *chain_target;	/* label a computed goto's compare chain tests */
	int bad;
};

static void propagate(struct vctx *v, int j, const struct state *out)
{
	struct state *d = &v->st[j];
	bool changed = false;
	int r;

	if (j < 0)
		return;
	if (!d->reached) {
		*d = *out;
		d->joins = 0;
		changed = true;
	} else {
		bool widen = ++d->joins > WIDEN_AFTER;

		for (r = 0; r < 16; r++) {
			struct val n = v_join(&d->r[r], &out->r[r], widen);

			if (!val_eq(&n, &d->r[r])) {
				d->r[r] = n;
				changed = true;
			}
		}
	}
	if (changed && !v->queued[j]) {
		v->queued[j] = true;
		v->work[v->nwork++] = j;
	}
}

/* What a call can change: the TLB (every PTR and ENT), and registers. */
static void kill_ptrs(struct state *s)
{
	int r;

	for (r = 0; r < 16; r++)
		if (s->r[r].k == V_PTR || s->r[r].k == V_ENT)
			s->r[r] = top;
}

static void set_reg(struct state *s, const struct operand *o, struct val v)
{
	if (o->kind == OP_REG && o->reg < 16)
		s->r[o->reg] = o->width >= 4 ? v : top;
}

/* Registers an instruction writes (conservatively), made TOP. */
static void kill_written(const struct stmt *s, struct state *out)
{
	unsigned f = s->isa->flags;
	int k;

	if (f & I_IMPL) {
		static const int impl[] = { 0, 1, 2, 3, 6, 7 };

		for (k = 0; k < 6; k++)
			out->r[impl[k]] = top;
	}
	if (!strncmp(s->name, "xchg", 4) || !strncmp(s->name, "xadd", 4) ||
	    !strncmp(s->name, "cmpxchg", 7)) {
		for (k = 0; k < s->nops; k++)
			set_reg(out, &s->op[k], top);
		out->r[0] = top;
	}
	if (s->nops && (f & (I_DSTW | I_DSTRW)))
		set_reg(out, &s->op[s->nops - 1], top);
	if (f & I_PUSHPOP && !strncmp(s->name, "pop", 3) && s->nops)
		set_reg(out, &s->op[0], top);
}

static int target_label(struct vctx *v, const struct stmt *s)
{
	if (s->nops == 1 && s->op[0].kind == OP_SYM && is_local_label(s->op[0].text))
		return label_stmt(v->p, s->op[0].text);
	return -1;
}

/* "cmpq $K, %r" right before the jcc at i: the range r has on each edge */
static void refine(struct vctx *v, int i, struct state *taken, struct state *fall)
{
	struct program *p = v->p;
	const struct stmt *c, *j = &p->st[i];
	long long k;
	uint64_t lo_t, hi_t, lo_f, hi_f;
	struct val *rt, *rf;
	int r;

	if (i < 1 || p->st[i - 1].kind != ST_INSN)
		return;
	c = &p->st[i - 1];
	if (!is_insn(c, "cmpq") || !imm(&c->op[0], &k) || k < 0 || !is_reg64(&c->op[1]))
		return;
	r = c->op[1].reg;
	if (!strcmp(j->name, "ja") || !strcmp(j->name, "jnbe")) {
		lo_t = k + 1; hi_t = UINT64_MAX; lo_f = 0; hi_f = k;
	} else if (!strcmp(j->name, "jbe") || !strcmp(j->name, "jna")) {
		lo_t = 0; hi_t = k; lo_f = k + 1; hi_f = UINT64_MAX;
	} else {
		return;
	}
	rt = &taken->r[r];
	rf = &fall->r[r];
	if (rt->k == V_TOP)
		*rt = v_int(0, UINT64_MAX);
	if (rf->k == V_TOP)
		*rf = v_int(0, UINT64_MAX);
	if (rt->k == V_INT) {
		rt->lo = rt->lo > lo_t ? rt->lo : lo_t;
		rt->hi = rt->hi < hi_t ? rt->hi : hi_t;
		if (rt->lo > rt->hi)		/* that edge cannot be taken */
			taken->reached = false;
	}
	if (rf->k == V_INT) {
		rf->lo = rf->lo > lo_f ? rf->lo : lo_f;
		rf->hi = rf->hi < hi_f ? rf->hi : hi_f;
		if (rf->lo > rf->hi)
			fall->reached = false;
	}
}

/* The effect of an ordinary instruction on the registers. */
static void transfer(const struct stmt *s, const struct state *in, struct state *out)
{
	const struct operand *a = &s->op[0], *b = &s->op[1];
	long long c;
	struct val v = top;
	bool known = false;

	*out = *in;
	if (s->nops == 2 && is_reg64(b) && !s->prefix[0] && is_mem(a, a->base, "8") &&
	    a->base >= 0 && a->base < 16 && in->r[a->base].k == V_ENT &&
	    in->r[a->base].hit) {
		/* the host page of a TLB entry whose tag the probe found */
		struct val x = in->r[b->reg];
		int w = in->r[a->base].tag;

		if (is_insn(s, "addq") && x.k == V_INT && x.hi < 1 << SVM_PAGE_SHIFT) {
			v = v_ptr(-(long long)x.lo, (1 << SVM_PAGE_SHIFT) - (long long)x.hi, w);
			known = true;
		} else if (is_insn(s, "movq")) {
			v = v_ptr(0, 1 << SVM_PAGE_SHIFT, w);
			known = true;
		}
	} else if (s->nops == 2 && is_reg64(b) && !s->prefix[0]) {
		if (is_insn(s, "movq") && is_reg64(a)) {
			v = in->r[a->reg];
			known = true;
		} else if (is_insn(s, "movq") && imm(a, &c)) {
			v = c >= 0 ? v_int(c, c) : top;
			known = true;
		} else if ((is_insn(s, "addq") || is_insn(s, "subq")) && imm(a, &c)) {
			v = v_add(in->r[b->reg], is_insn(s, "addq") ? c : -c);
			known = true;
		} else if (is_insn(s, "andq") && imm(a, &c) && c >= 0) {
			v = v_int(0, c);
			known = true;
		} else if (is_insn(s, "shrq") && imm(a, &c) && c > 0 && c < 64) {
			struct val x = in->r[b->reg];

			v = x.k == V_INT ? v_int(x.lo >> c, x.hi >> c) : v_int(0, UINT64_MAX >> c);
			known = true;
		} else if (is_insn(s, "leaq") && a->kind == OP_MEM && !a->seg[0] &&
			   a->base >= 0 && a->base < 16 && a->base != REG_RSP &&
			   number(a->disp, &c)) {
			v = v_add(in->r[a->base], c);
			if (a->index >= 0)
				v = v_add_index(v_add(in->r[a->base], c), in->r[a->index],
						a->scale);
			known = true;
		}
	} else if (s->nops == 2 && b->kind == OP_REG && b->width == 4 && b->reg < 16 &&
		   !s->prefix[0]) {
		if (is_insn(s, "andl") && imm(a, &c) && c >= 0) {
			v = v_int(0, c & 0xffffffff);
			known = true;
		} else if (is_insn(s, "movl") && imm(a, &c) && c >= 0 && c <= 0xffffffffLL) {
			v = v_int(c, c);
			known = true;
		} else if (is_insn(s, "xorl") && is_reg(a, b->reg)) {
			v = v_int(0, 0);
			known = true;
		} else if (is_insn(s, "movzbl")) {
			v = v_int(0, 0xff);
			known = true;
		} else if (is_insn(s, "movzwl")) {
			v = v_int(0, 0xffff);
			known = true;
		} else if (is_insn(s, "movl")) {
			v = v_int(0, 0xffffffff);
			known = true;
		}
	}
	/* the frame pointer: "leave" needs it, and ends it */
	if (is_insn(s, "movq") && s->nops == 2 && is_reg(a, REG_RSP) && a->width == 8 &&
	    is_reg(b, 5) && b->width == 8) {
		v = (struct val){ .k = V_FP };
		known = true;
	}
	kill_written(s, out);
	if (is_insn(s, "leave"))
		out->r[5] = top;
	if (known)
		out->r[b->reg] = v;
}

/* Flow out of statement i with in-state *in. */
static void step(struct vctx *v, int i, const struct state *in)
{
	struct program *p = v->p;
	struct stmt *s = &p->st[i];
	struct state out, taken;
	struct unit u;
	int ra, size, wr, t, k;
	const char *entry;
	unsigned f;

	if (s->kind != ST_INSN) {
		propagate(v, v->next[i], in);
		return;
	}
	f = s->isa->flags;
	if (v->unit_at[i] == 'p' && probe_unit(p, i, &u)) {
		out = *in;
		taken = *in;
		out.r[u.ra] = v_int(0, u.k);
		out.r[u.rb] = (struct val){ .k = V_ENT, .tag = u.tag, .hit = 1 };
		taken.r[u.ra] = top;
		taken.r[u.rb] = (struct val){ .k = V_ENT, .tag = u.tag, .hit = 0 };
		propagate(v, v->next[i + 6], &out);
		propagate(v, label_stmt(p, u.miss), &taken);
		return;
	}
	if (v->unit_at[i] == 'm' && miss_unit(p, i, &ra, &size, &wr, &entry)) {
		out = *in;
		kill_ptrs(&out);
		out.r[ra] = v_ptr(0, size, wr);
		out.r[p->st[i + 4].op[0].reg] = top;
		propagate(v, v->next[i + 4], &out);
		return;
	}
	if (f & I_CALL) {
		const char *name = s->op[0].kind == OP_SYM ? s->op[0].text : "";
		int a, sz, w, m;

		out = *in;
		if ((!strncmp(name, "__svm_p", 7) || !strncmp(name, "__svm_q", 7)) &&
		    thunk_ok(p, name, &a, &sz, &w, &m)) {
			char bn[8], tail;
			int b, width;

			sscanf(name, "__svm_%*c%*c%*d_%*[a-z0-9]_%7[a-z0-9]%c", bn, &tail);
			b = reg_parse(bn, &width);
			kill_ptrs(&out);
			out.r[a] = v_ptr(0, sz, w);
			out.r[b] = top;
			/* a bounced write returns to the site's fix-up instead */
			if (v->fix_of[i] >= 0)
				propagate(v, v->fix_of[i], &out);
		} else if (!strcmp(name, "__svm_miss_done") || !strcmp(name, "__twin_bug")) {
			kill_ptrs(&out);
		} else if (!strncmp(name, "__svm_rep_", 10)) {
			kill_ptrs(&out);
			out.r[1] = out.r[6] = out.r[7] = top;
		} else {
			/* %rbp is callee-saved: the machine-code verifier
			 * checks every function returns with its caller's */
			for (k = 0; k < 16; k++)
				if (k != 5 || out.r[k].k != V_FP)
					out.r[k] = top;
		}
		propagate(v, v->next[i], &out);
		return;
	}
	if (f & I_RET)
		return;
	if (f & (I_JMP | I_JCC)) {
		t = target_label(v, s);
		out = *in;
		taken = *in;
		if (f & I_JCC)
			refine(v, i, &taken, &out);
		if (t >= 0 && taken.reached)
			propagate(v, t, &taken);
		if ((f & I_JCC) && out.reached)
			propagate(v, v->next[i], &out);
		return;
	}
	transfer(s, in, &out);
	propagate(v, v->next[i], &out);
}

/* Is the memory operand of statement i (size bytes) covered by state *in? */
static bool access_ok(struct vctx *v, int i, const struct state *in, int mi,
		      int size, bool write, int bitreg)
{
	struct stmt *s = &v->p->st[i];
	const struct operand *o = &s->op[mi];
	struct val base, x;
	long long d;

	if (o->base < 0 || o->base >= 16 || !number(o->disp, &d))
		return false;
	if (bitreg >= 0) {
		/* bt* with a register bit offset reaches EA + (off >> 3): only a
		 * bounded offset keeps it inside the operand */
		x = in->r[bitreg];
		if (x.k != V_INT || x.hi > (uint64_t)size * 8 - 1)
			return false;
	}
	base = in->r[o->base];
	if (base.k == V_ENT)	/* the TLB entry: tag, host, write tag */
		return !write && o->index < 0 && size == 8 && (d == 0 || d == 8 || d == 16);
	if (o->index >= 0)
		base = v_add_index(base, in->r[o->index], o->scale);
	return base.k == V_PTR && base.a <= d && d + size <= base.b && (base.w || !write);
}

static void report(struct vctx *v, int i, const char *fmt, const char *a)
{
	fprintf(stderr, "%s:%d: error: verify: ", v->path, v->p->st[i].line);
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	v->bad++;
}

/*
 * ".set A, B": another name for a function's start or a data object of
 * this file; not a name of the runtime's, not one defined here, not an
 * expression (B+8 could name the middle of an instruction).
 */
static bool alias_ok(struct program *p, const struct stmt *s)
{
	char a[128], b[128];
	int l, fb;

	if (!alias_args(s->args, a, b, sizeof(a)) || !strncmp(a, "__svm", 5) ||
	    !strncmp(a, "__twin", 6) || label_stmt(p, a) >= 0 || is_local_label(b) ||
	    (l = label_stmt(p, b)) < 0)
		return false;
	if (!p->sec[p->st[l].section].text)
		return true;
	fb = find_func(p, b);
	return fb >= 0 && !strstr(b, ".cold") && p->st[l].func == fb;
}

/* "cmpq $K, %r; ja .Lsvm_stk_N; [leaq -16(%rsp), %rsp]" right before i */
static bool dynamic_step_checked(struct program *p, int i, int r)
{
	long long k;
	int j = i - 1;

	if (j >= 0 && is_insn(&p->st[j], "leaq") && is_mem(&p->st[j].op[0], REG_RSP, "-16") &&
	    is_reg(&p->st[j].op[1], REG_RSP))
		j--;
	if (j < 1 || !is_insn(&p->st[j], "ja") || p->st[j].op[0].kind != OP_SYM ||
	    strncmp(p->st[j].op[0].text, ".Lsvm_stk_", 10))
		return false;
	j--;
	return is_insn(&p->st[j], "cmpq") && p->st[j].nops == 2 &&
	       imm(&p->st[j].op[0], &k) && k >= 0 && k <= 4096 &&
	       is_reg(&p->st[j].op[1], r) && p->st[j].op[1].width == 8;
}

static int family(struct program *p, int f)
{
	return f >= 0 && p->fn[f].parent >= 0 ? p->fn[f].parent : f;
}

/*
 * A computed goto's compare chain, exactly: one or more of
 *	leaq L(%rip), %rS; cmpq %rS, %rT; je L
 * (the same rS and rT, L a label of the chain's function) and then
 * "pushq $INFO; call __twin_bug", no label inside.  Marks each L.
 */
static void find_chains(struct vctx *v)
{
	struct program *p = v->p;
	int i, k, n, rs, rt;

	for (i = 0; i + 4 < p->nst; i++) {
		struct stmt *s = &p->st[i];
		long long info;

		if (!is_insn(s, "leaq") || !p->sec[s->section].text || s->op[0].kind != OP_MEM ||
		    s->op[0].base != REG_RIP || !is_reg64(&s->op[1]))
			continue;
		rs = s->op[1].reg;
		rt = -1;
		for (k = i, n = 0; k + 4 < p->nst; k += 3, n++) {
			struct stmt *a = &p->st[k], *b = &p->st[k + 1], *c = &p->st[k + 2];

			if (!is_insn(a, "leaq") || a->op[0].kind != OP_MEM ||
			    !is_mem(&a->op[0], REG_RIP, a->op[0].disp) ||
			    !is_local_label(a->op[0].disp) || !is_reg(&a->op[1], rs) ||
			    a->op[1].width != 8 || !is_insn(b, "cmpq") || !is_reg(&b->op[0], rs) ||
			    !is_reg64(&b->op[1]) || b->op[1].reg == rs ||
			    (rt >= 0 && b->op[1].reg != rt) || !is_insn(c, "je") ||
			    c->op[0].kind != OP_SYM || strcmp(c->op[0].text, a->op[0].disp))
				break;
			rt = b->op[1].reg;
		}
		if (!n || !is_insn(&p->st[k], "pushq") || !imm(&p->st[k].op[0], &info) ||
		    !is_insn(&p->st[k + 1], "call") || p->st[k + 1].op[0].kind != OP_SYM ||
		    strcmp(p->st[k + 1].op[0].text, "__twin_bug"))
			continue;
		for (k = i; k < i + 3 * n; k += 3) {
			int l = label_stmt(p, p->st[k].op[0].disp);

			if (l >= 0 && p->st[l].func >= 0 &&
			    family(p, p->st[l].func) == family(p, s->func))
				v->chain_target[l] = true;
		}
		i += 3 * n + 1;
	}
}

/* Structural checks of one statement, independent of the dataflow. */
static void check_shape(struct vctx *v, int i)
{
	struct program *p = v->p;
	struct stmt *s = &p->st[i];
	const struct section *sec = &p->sec[s->section];
	unsigned f;
	int a, sz, w, m;

	if (s->kind == ST_DIR) {
		static const char *const data[] = { ".byte", ".word", ".value", ".short",
			".long", ".quad", ".zero", ".skip", ".org", ".string", ".ascii",
			".asciz", NULL };
		char name[128] = "", flags[32] = "";
		int k;

		for (k = 0; data[k] && sec->text; k++)
			if (!strcmp(s->name, data[k]))
				report(v, i, "raw data in code (%s)", s->name);
		if (sec->text && (!strcmp(s->name, ".p2align") || !strcmp(s->name, ".balign") ||
				  !strcmp(s->name, ".align"))) {
			const char *c = strchr(s->args, ',');

			/* a fill value would put chosen bytes into the code */
			if (c && c[1] && c[1] != ',' && strspn(c + 1, " ") != strlen(c + 1))
				report(v, i, "alignment with a fill value in code (%s)", s->args);
		}
		if ((!strcmp(s->name, ".set") || !strcmp(s->name, ".equ")) && !alias_ok(p, s))
			report(v, i, "symbol alias (.set %s)", s->args);
		if ((!strcmp(s->name, ".section") || !strcmp(s->name, ".pushsection")) &&
		    sscanf(s->args, " %127[^ ,] , \"%31[^\"]\"", name, flags) == 2 &&
		    strchr(flags, 'x') && !(!strncmp(name, ".text", 5) ||
					    !strcmp(name, ".init.text") ||
					    !strcmp(name, ".exit.text")))
			report(v, i, "executable section %s is not checked", name);
		if (!strcmp(sec->name, ".rodata.twin_wfix") && !strcmp(s->name, ".quad") &&
		    strcmp(s->args, "0, 0")) {
			int r, x;

			if (!wfix_entry(p, s, &r, &x))
				report(v, i, "bad fix-up table entry%s", "");
		}
		/* a label's address in data: only a computed goto's read-only
		 * table, of labels its function's compare chain tests */
		if (!sec->text && strcmp(sec->name, ".rodata.twin_wfix")) {
			const char *e;

			for (e = strstr(s->args, ".L"); e; e = strstr(e + 2, ".L")) {
				int l;

				if (sscanf(e, "%127[A-Za-z0-9_.$]", name) != 1 ||
				    (l = label_stmt(p, name)) < 0 || !p->sec[p->st[l].section].text)
					continue;
				if (!sec->ro)
					report(v, i, "address of code label %s in writable data", name);
				else if (!v->chain_target[l])
					report(v, i, "address of code label %s in data, and no compare "
					       "chain of its function tests it", name);
			}
		}
		return;
	}
	if (s->kind != ST_INSN)
		return;
	f = s->isa->flags;
	if (f & (I_PRIV | I_STR)) {
		report(v, i, "forbidden instruction '%s'", s->name);
		return;
	}
	if ((f & (I_CALL | I_JMP)) && s->op[0].star) {
		report(v, i, "indirect %s", s->name);
		return;
	}
	if ((f & (I_CALL | I_JMP | I_JCC)) && s->op[0].kind == OP_SYM) {
		const char *t = s->op[0].text;

		if (!strcmp(t, "__svm_wmiss")) {
			/* only from a verified write thunk's miss path: it
			 * rewrites the thunk caller's return address */
			if (!(f & I_CALL) || !wmiss_ok(p, i))
				report(v, i, "%s to __svm_wmiss outside a write thunk", s->name);
		} else if (!strncmp(t, "__svm_pr", 8) || !strncmp(t, "__svm_pw", 8) ||
			   !strncmp(t, "__svm_q", 7)) {
			/* a probe thunk: only called, and only if it checks out */
			if (!(f & I_CALL) || !thunk_ok(p, t, &a, &sz, &w, &m)) {
				fprintf(stderr, "%s:%d: error: verify: %s to bad probe thunk '%s'\n",
					v->path, s->line, s->name, t);
				v->bad++;
			}
		} else if (is_local_label(t)) {
			int l = label_stmt(p, t);

			if (l < 0 || !p->sec[p->st[l].section].text || (f & I_CALL))
				report(v, i, "jump to '%s', which is not code of the instance", t);
			else if (!strncmp(t, ".Lsvm_wfix_", 11))
				report(v, i, "jump into the fix-up path %s", t);
		} else if (isdigit_label(t) || !call_ok(p, v->pol, t)) {
			fprintf(stderr, "%s:%d: error: verify: %s to unbound '%s'\n", v->path,
				s->line, s->name, t);
			v->bad++;
		}
	}
	if (s->nops && is_reg(&s->op[s->nops - 1], REG_RSP) && !(f & I_PUSHPOP)) {
		const struct operand *o = &s->op[0];
		bool ok = (!strcmp(s->name, "addq") || !strcmp(s->name, "subq")) &&
			  o->kind == OP_IMM;
		long long k;

		ok |= !strcmp(s->name, "leaq") && o->kind == OP_MEM &&
		      o->base == REG_RSP && o->index < 0;
		/* run-time steps: a realignment by a power of two, a bounded
		 * dynamic step; back from the frame pointer (check_access) */
		ok |= is_insn(s, "andq") && imm(o, &k) && k < 0 && !(-k & (-k - 1)) && -k <= 4096;
		ok |= is_insn(s, "subq") && is_reg64(o) && dynamic_step_checked(p, i, o->reg);
		ok |= (is_insn(s, "leaq") && o->kind == OP_MEM && o->base == REG_RBP &&
		       o->index < 0 && !o->seg[0] && number(o->disp, &k)) ||
		      (is_insn(s, "movq") && is_reg(o, REG_RBP) && o->width == 8);
		if (!ok)
			report(v, i, "write to %%rsp by '%s'", s->name);
	}
}

/* "cmpq $K, %idx; ja .Lsvm_stk_N; [popfq]" right before statement i */
static bool stack_index_checked(struct program *p, int i, int idx)
{
	int j = i - 1;

	if (j >= 0 && is_insn(&p->st[j], "popfq"))
		j--;
	if (j < 1 || !is_insn(&p->st[j], "ja") || p->st[j].op[0].kind != OP_SYM ||
	    strncmp(p->st[j].op[0].text, ".Lsvm_stk_", 10))
		return false;
	j--;
	return is_insn(&p->st[j], "cmpq") && p->st[j].nops == 2 &&
	       p->st[j].op[0].kind == OP_IMM && is_reg(&p->st[j].op[1], idx);
}

/* The memory operand of instruction i, against its in-state. */
static void check_access(struct vctx *v, int i, int *naccess)
{
	struct program *p = v->p;
	struct stmt *s = &p->st[i];
	const struct state *in = &v->st[i];
	struct state none = { .reached = true };
	int mi = mem_operand(s), opsize, bitreg = -1, k;
	const struct operand *o;
	bool w;

	if (is_insn(s, "leave") && (!in->reached || in->r[5].k != V_FP))
		report(v, i, "leave without a frame pointer in %%rbp (%s)",
		       "it must hold what movq %rsp, %rbp put there on every path");
	if ((is_insn(s, "leaq") || is_insn(s, "movq")) && s->nops == 2 &&
	    is_reg(&s->op[1], REG_RSP) && (s->op[0].kind == OP_MEM ? s->op[0].base :
					   s->op[0].reg) == REG_RBP &&
	    (!in->reached || in->r[5].k != V_FP))
		report(v, i, "%%rsp restored from %%rbp without a frame pointer in it (%s)",
		       "it must hold what movq %rsp, %rbp put there on every path");
	if (mi < 0 || (s->isa->flags & I_NOMEM) || v->covered[i])
		return;
	o = &s->op[mi];
	w = mem_writes(s, mi);
	if (o->seg[0]) {
		report(v, i, "segment override %%%s", o->seg);
		return;
	}
	if (o->base == REG_RSP) {
		/* an index bounded by twinc's check right before it (a local
		 * array); whether the bound keeps it in the frame is the
		 * machine-code verifier's to judge, which knows the depth */
		if (o->index >= 0 && !stack_index_checked(p, i, o->index))
			report(v, i, "stack operand of '%s' with an index register no "
			       "check bounds", s->name);
		return;
	}
	if (o->base == REG_RIP) {
		/* the hit counter: only right after a probe unit's ja */
		if (is_hit_count(s) && i >= 7 && v->covered[i - 1] &&
		    is_insn(&p->st[i - 1], "ja") && probe_unit(p, i - 7, &(struct unit){ 0 }) &&
		    strict_next(p, i) >= 0)
			return;
		if (!own_var(p, o->disp, w)) {
			fprintf(stderr, "%s:%d: error: verify: raw access to %s\n", v->path,
				s->line, o->disp);
			v->bad++;
		}
		return;
	}
	if (!in->reached) {		/* dead code: judged as if anything held */
		for (k = 0; k < 16; k++)
			none.r[k] = top;
		in = &none;
	}
	if (!strncmp(s->name, "bt", 2) && s->nops == 2 && s->op[0].kind == OP_REG)
		bitreg = s->op[0].reg;
	isa_lookup(s->name, &opsize);
	if (!access_ok(v, i, in, mi, operand_size(s, opsize), w, bitreg)) {
		report(v, i, "memory operand of '%s' not translated by SVM", s->name);
		return;
	}
	if (in->r[o->base].k != V_ENT)
		(*naccess)++;
}

/* Every code label named in expression e is entered with state *any. */
static void taken_labels(struct vctx *v, const char *e, const struct state *any)
{
	for (e = strstr(e, ".L"); e; e = strstr(e + 2, ".L")) {
		char name[128];
		int l;

		if (sscanf(e, "%127[A-Za-z0-9_.$]", name) == 1 &&
		    (l = label_stmt(v->p, name)) >= 0 && v->p->sec[v->p->st[l].section].text)
			propagate(v, l, any);
	}
}

int verify_file(const char *path, struct policy *pol, int *naccess)
{
	struct program p = { 0 };
	struct vctx v = { .p = &p, .pol = pol, .path = path };
	int i, last[64];

	*naccess = 0;
	if (asm_parse(&p, path))
		return -1;
	v.st = calloc(p.nst, sizeof(*v.st));
	v.next = malloc(p.nst * sizeof(int));
	v.work = malloc(p.nst * sizeof(int));
	v.queued = calloc(p.nst, sizeof(bool));
	v.covered = calloc(p.nst, sizeof(bool));
	v.fix_of = malloc(p.nst * sizeof(int));
	for (i = 0; i < 64; i++)
		last[i] = -1;
	for (i = p.nst - 1; i >= 0; i--) {	/* fall-through: same section */
		v.next[i] = last[p.st[i].section];
		last[p.st[i].section] = i;
		v.fix_of[i] = -1;
	}
	v.unit_at = calloc(p.nst, 1);
	v.chain_target = calloc(p.nst, sizeof(bool));
	find_chains(&v);
	for (i = 0; i < p.nst; i++) {
		struct unit u;
		int ra, size, wr, k, n;
		const char *entry;

		check_shape(&v, i);
		if (p.sec[p.st[i].section].text && probe_unit(&p, i, &u)) {
			v.unit_at[i] = 'p';
			for (k = 0; k < 7; k++)
				v.covered[i + k] = true;
		} else if (p.sec[p.st[i].section].text &&
			   miss_unit(&p, i, &ra, &size, &wr, &entry)) {
			v.unit_at[i] = 'm';
			for (k = 0; k < 5; k++)
				v.covered[i + k] = true;
		} else if (p.sec[p.st[i].section].text && (n = rs_unit(&p, i))) {
			for (k = 0; k < n; k++)
				v.covered[i + k] = true;
		}
	}

	/* the runtime's redirect: write thunk call -> fix-up; a fix-up is
	 * entered only so */
	for (i = 0; i < p.nst; i++) {
		struct stmt *s = &p.st[i];
		int r, x;

		if (s->kind == ST_DIR && !strcmp(s->name, ".quad") &&
		    !strcmp(p.sec[s->section].name, ".rodata.twin_wfix") &&
		    wfix_entry(&p, s, &r, &x)) {
			v.fix_of[r - 1] = x;
			if (!no_fall_in(&p, x))
				report(&v, x, "code falls into the fix-up path %s", p.st[x].name);
		}
	}
	/* entry points: every non-local label in code, and every local one
	 * whose address is taken other than by a direct jump or the table */
	for (i = 0; i < p.nst; i++) {
		struct stmt *s = &p.st[i];
		struct state any = { .reached = true };
		int k;

		for (k = 0; k < 16; k++)
			any.r[k] = top;
		if (s->kind == ST_LABEL && p.sec[s->section].text &&
		    (!is_local_label(s->name) || isdigit_label(s->name)))
			propagate(&v, i, &any);
		if (s->kind == ST_INSN && !(s->isa->flags & (I_JMP | I_JCC | I_CALL)))
			for (k = 0; k < s->nops; k++)
				taken_labels(&v, s->op[k].kind == OP_MEM ? s->op[k].disp :
					     s->op[k].text, &any);
		if (s->kind == ST_DIR && strcmp(p.sec[s->section].name, ".rodata.twin_wfix"))
			taken_labels(&v, s->args, &any);
	}
	while (v.nwork) {
		int j = v.work[--v.nwork];
		struct state in = v.st[j];

		v.queued[j] = false;
		step(&v, j, &in);
	}
	/* nothing may run off the end of a section */
	for (i = 0; i < p.nst; i++) {
		struct stmt *s = &p.st[i];

		if (v.st[i].reached && v.next[i] < 0 && p.sec[s->section].text &&
		    !(s->kind == ST_INSN && (s->isa->flags & (I_JMP | I_RET))))
			report(&v, i, "execution runs off the end of section %s",
			       p.sec[s->section].name);
	}
	for (i = 0; i < p.nst; i++)
		if (p.st[i].kind == ST_INSN && p.sec[p.st[i].section].text)
			check_access(&v, i, naccess);
	free(v.st);
	free(v.next);
	free(v.work);
	free(v.queued);
	free(v.covered);
	free(v.unit_at);
	free(v.fix_of);
	free(v.chain_target);
	free(p.st);
	free(p.fn);
	if (v.bad) {
		fprintf(stderr, "%s: verify: %d problem(s); output refused\n", path, v.bad);
		return -1;
	}
	return 0;
}
