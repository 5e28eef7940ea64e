// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier re-reads twinc's output from the file, with no knowledge of
 * what the rewriter meant to do, and accepts it only if:
 *   - every memory operand is on the stack, on the instance's own
 *     read-only data or runtime variables, or on a register that an
 *     immediately preceding SVM probe (hit path or miss path) produced,
 *     inline or by a call to a probe thunk whose body checks out, or on a
 *     thunked write's fix-up path that the fix-up table ties to one;
 *   - every call and non-local jump goes to a function of the instance, a
 *     policy-bound symbol or an SVM runtime entry; nothing is indirect;
 *   - no privileged instruction, no raw bytes in code, and %rsp changes
 *     only by push/pop/call/ret or a constant adjustment.
 * A probe is recognised by its exact shape, including the page-size bound
 * that matches the access size, so a stale or edited probe fails too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

static const char *const runtime_calls[] = {
	"__svm_miss", "__svm_miss_done", "__twin_dispatch", "__twin_bug",
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

static bool is_mem(const struct operand *o, int base, const char *disp)
{
	return o->kind == OP_MEM && o->base == base && o->index < 0 &&
	       !o->seg[0] && !strcmp(o->disp, disp);
}

/* Previous instruction before index i, skipping labels; -1 if none. */
static int prev_insn(struct program *p, int i)
{
	for (i--; i >= 0; i--) {
		if (p->st[i].kind == ST_INSN)
			return i;
		if (p->st[i].kind == ST_DIR)
			return -1;
	}
	return -1;
}

/* Hit path: ... andl $M,%eB; addq __svm_tlbp(%rip),%rB; subq (%rB),%rA; cmpq $K,%rA; ja; addq 8(%rB),%rA */
static bool mem_writes(const struct stmt *s, int mi)
{
	if (!strncmp(s->name, "xchg", 4))
		return true;
	return mi == s->nops - 1 && (s->isa->flags & (I_DSTW | I_DSTRW));
}

/* The tag a probe compared: "" (read tag) or SVM_WTAG; NULL if neither. */
static const char *probe_tag(const struct stmt *sub, int rB)
{
	if (sub->op[0].kind != OP_MEM || sub->op[0].base != rB ||
	    sub->op[0].index >= 0 || sub->op[0].seg[0])
		return NULL;
	if (!sub->op[0].disp[0])
		return "";
	if (!strcmp(sub->op[0].disp, SVM_WTAG))
		return SVM_WTAG;
	return NULL;
}

/* "incq __svm_hits(%rip)": the hit counter of --count-hits, exactly so */
static bool is_hit_count(const struct stmt *s)
{
	return is_insn(s, "incq") && s->nops == 1 && !s->prefix[0] &&
	       is_mem(&s->op[0], REG_RIP, SVM_HITS);
}

/* write: 1 = the access writes (the probe must use the write tag), 0 = a
 * read, -1 = either (checking the probe's own instructions) */
static bool hit_probe(struct program *p, int j, int rA, int size, int write)
{
	struct stmt *add = &p->st[j], *cmp, *sub, *tlb, *and;
	int rB, k;

	if (!is_insn(add, "addq") || !is_reg(&add->op[1], rA) ||
	    add->op[0].kind != OP_MEM || strcmp(add->op[0].disp, "8"))
		return false;
	rB = add->op[0].base;
	/* the hit counter sits between the ja and this add, with no label
	 * around it (nothing may jump past the ja into the hit path) */
	if (j >= 2 && is_hit_count(&p->st[j - 1])) {
		if (!is_insn(&p->st[j - 2], "ja"))
			return false;
		j--;
	}
	if ((k = prev_insn(p, j)) < 0 || !is_insn(&p->st[k], "ja"))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(cmp = &p->st[k], "cmpq") ||
	    !is_reg(&cmp->op[1], rA) || cmp->op[0].kind != OP_IMM ||
	    (size >= 0 && atoi(cmp->op[0].text) != (1 << SVM_PAGE_SHIFT) - size))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(sub = &p->st[k], "subq") ||
	    !is_reg(&sub->op[1], rA) || !probe_tag(sub, rB))
		return false;
	if (write == 1 && strcmp(probe_tag(sub, rB), SVM_WTAG))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(tlb = &p->st[k], "addq") ||
	    !is_reg(&tlb->op[1], rB) || !is_mem(&tlb->op[0], REG_RIP, "__svm_tlbp"))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(and = &p->st[k], "andl") ||
	    !is_reg(&and->op[1], rB) || and->op[0].kind != OP_IMM ||
	    atoi(and->op[0].text) != ((1 << SVM_TLB_BITS) - 1) << SVM_ENTRY_SHIFT)
		return false;
	return rA != rB;
}

/* Miss path: pushq $INFO; pushq %rA; call __svm_miss; popq %rA; popq %rB */
static bool miss_probe_via(struct program *p, int j, int rA, int size, int write,
			   const char *entry);

static bool miss_probe(struct program *p, int j, int rA, int size, int write)
{
	return miss_probe_via(p, j, rA, size, write, "__svm_miss");
}

static bool miss_probe_via(struct program *p, int j, int rA, int size, int write,
			   const char *entry)
{
	struct stmt *s;
	int k = j;

	s = &p->st[k];
	if (!is_insn(s, "popq") || is_reg(&s->op[0], rA))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(s = &p->st[k], "popq") ||
	    !is_reg(&s->op[0], rA))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(s = &p->st[k], "call") ||
	    strcmp(s->op[0].text, entry))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(s = &p->st[k], "pushq") ||
	    !is_reg(&s->op[0], rA))
		return false;
	if ((k = prev_insn(p, k)) < 0 || !is_insn(s = &p->st[k], "pushq") ||
	    s->op[0].kind != OP_IMM || (atoi(s->op[0].text) & 0x3f) != size)
		return false;
	/* a write must tell the runtime so (it refuses read-only pages) */
	return !write || (atoi(s->op[0].text) & 0x40);
}

/*
 * A group access "D(%rA)": walking back over a straight line that never
 * mentions rA except as such a base, the hit probe that produced rA must
 * have checked a range [0, S) covering [D, D + size).
 */
static bool group_translated(struct program *p, int i, int rA, long d, int size,
			     int write)
{
	int j = i, n;

	for (n = 0; n < 256; n++) {
		struct stmt *s;
		int k;

		for (j--; j >= 0 && p->st[j].kind != ST_INSN; j--)
			if (p->st[j].kind != ST_INSN)
				return false;	/* label or directive: a join */
		if (j < 0)
			return false;
		s = &p->st[j];
		if (is_insn(s, "addq") && is_reg(&s->op[1], rA) &&
		    hit_probe(p, j, rA, -1, write)) {
			int c = prev_insn(p, prev_insn(p, j));
			long lim;

			if (is_hit_count(&p->st[prev_insn(p, j)]))
				c = prev_insn(p, c);
			if (!is_insn(&p->st[c], "cmpq"))
				return false;
			lim = atol(p->st[c].op[0].text);

			return d >= 0 && d + size <= (1 << SVM_PAGE_SHIFT) - lim;
		}
		/* a conditional branch out (another probe's exit, or the
		 * program's) is no join: the fall-through keeps rA */
		if (s->isa->flags & I_JCC)
			continue;
		if (s->isa->flags & (I_JMP | I_JCC | I_CALL | I_RET | I_IMPL))
			return false;
		for (k = 0; k < s->nops; k++)
			if (s->op[k].kind == OP_REG && s->op[k].reg == rA)
				return false;
			else if (s->op[k].kind == OP_MEM && s->op[k].index == rA)
				return false;
	}
	return false;
}

static int next_insn(struct program *p, int i)
{
	for (i++; i < p->nst; i++)
		if (p->st[i].kind == ST_INSN)
			return i;
	return -1;
}

/*
 * Statement i reads (%rB) right after label L.  Require: nothing falls
 * through into L, and every jump to L is the "ja" of a hit probe for rA
 * whose TLB entry pointer is rB (so (%rB) is that entry's tag).
 */
static bool miss_entry(struct program *p, int i, int rB, int rA)
{
	int l = i - 1, j, k, n = 0;
	const char *name;

	if (l < 0 || p->st[l].kind != ST_LABEL)
		return false;
	name = p->st[l].name;
	for (k = l - 1; k >= 0 && p->st[k].kind == ST_LABEL; k--)
		;
	if (k < 0 || !(p->st[k].kind == ST_DIR ||
		       (p->st[k].kind == ST_INSN &&
			(p->st[k].isa->flags & (I_JMP | I_RET)))))
		return false;
	for (j = 0; j < p->nst; j++) {
		struct stmt *s = &p->st[j];

		if (s->kind != ST_INSN || s->nops != 1 || s->op[0].kind != OP_SYM ||
		    strcmp(s->op[0].text, name))
			continue;
		k = next_insn(p, j);
		if (k >= 0 && is_hit_count(&p->st[k]))
			k = next_insn(p, k);
		if (!is_insn(s, "ja") || k < 0 || !hit_probe(p, k, rA, -1, -1) ||
		    p->st[k].op[0].base != rB)
			return false;
		/* it must add back the tag that probe subtracted */
		if (strcmp(probe_tag(&p->st[prev_insn(p, prev_insn(p, j))], rB),
			   p->st[i].op[0].disp))
			return false;
		n++;
	}
	return n > 0;
}

/* The statement right after i if it is an instruction (no label between). */
static int strict_next(struct program *p, int i)
{
	return i >= 0 && i + 1 < p->nst && p->st[i + 1].kind == ST_INSN ? i + 1 : -1;
}

/*
 * "__svm_prS_A_B", a read-probe thunk: defined in this file, entered only
 * at its label (nothing falls into it), and exactly
 *	movq %A,%B; shrq $7,%B; <hit probe for A, size S, via B>; ret
 *	L: addq (%B),%A; pushq $S; pushq %A; call __svm_miss; popq %A; popq %B; ret
 * with no label inside either straight line.  Returns A and S.
 */
static bool thunk_ok(struct program *p, const char *name, int *pa, int *ps,
		     int *pw, int *pm)
{
	char an[8], bn[8], tail, rw;
	int sz, a, b, w, l, j, k, m, wr;
	struct stmt *s;

	if (sscanf(name, "__svm_p%c%d_%7[a-z0-9]_%7[a-z0-9]%c", &rw, &sz, an, bn,
		   &tail) != 4 || sz < 1 || sz > 16 || (rw != 'r' && rw != 'w'))
		return false;
	wr = rw == 'w';
	a = reg_parse(an, &w);
	if (a < 0 || a > 15 || w != 8 || a == REG_RSP)
		return false;
	b = reg_parse(bn, &w);
	if (b < 0 || b > 15 || w != 8 || b == REG_RSP || b == a)
		return false;
	l = label_stmt(p, name);
	if (l < 1 || p->st[l].kind != ST_LABEL || !p->sec[p->st[l].section].text)
		return false;
	s = &p->st[l - 1];
	if (!(s->kind == ST_DIR || (s->kind == ST_INSN &&
				    (s->isa->flags & (I_JMP | I_RET)))))
		return false;
	if ((j = strict_next(p, l)) < 0 || !is_insn(s = &p->st[j], "movq") ||
	    !is_reg(&s->op[0], a) || !is_reg(&s->op[1], b))
		return false;
	if ((j = strict_next(p, j)) < 0 || !is_insn(s = &p->st[j], "shrq") ||
	    !is_reg(&s->op[1], b))
		return false;
	for (k = 0; k < 6; k++)		/* andl addq subq cmpq ja [incq] addq */
		if ((j = strict_next(p, j)) < 0 ||
		    (k == 5 && is_hit_count(&p->st[j]) && (j = strict_next(p, j)) < 0))
			return false;
	if (!hit_probe(p, j, a, sz, wr) || p->st[j].op[0].base != b)
		return false;
	if ((k = strict_next(p, j)) < 0 || !is_insn(&p->st[k], "ret"))
		return false;
	/* the miss path the ja goes to */
	s = &p->st[prev_insn(p, j)];
	if (is_hit_count(s))
		s = &p->st[prev_insn(p, prev_insn(p, j))];
	if (!is_insn(s, "ja") || s->op[0].kind != OP_SYM ||
	    (m = label_stmt(p, s->op[0].text)) < 0)
		return false;
	if ((j = strict_next(p, m)) < 0 || !is_insn(s = &p->st[j], "addq") ||
	    !is_reg(&s->op[1], a) || s->op[0].kind != OP_MEM || s->op[0].base != b)
		return false;
	for (k = 0; k < 5; k++)		/* pushq pushq call popq popq */
		if ((j = strict_next(p, j)) < 0)
			return false;
	if (!miss_probe_via(p, j, a, sz, wr, wr ? "__svm_wmiss" : "__svm_miss"))
		return false;
	if ((k = strict_next(p, j)) < 0 || !is_insn(&p->st[k], "ret"))
		return false;
	*pa = a;
	*ps = sz;
	*pw = wr;
	*pm = m;
	return true;
}

/*
 * ".Lsvm_wfix_N", a thunked write's fix-up path, which the runtime enters
 * instead of returning to the site when the write was bounced: nothing
 * falls or jumps into it, and __twin_wfix_table pairs it with a label
 * right after a call to a verified write thunk for rA and this size.
 */
static bool wfix_ok(struct program *p, int l, int rA, int size)
{
	const char *name = p->st[l].name;
	int j, k, a, sz, w, m;
	size_t n = strlen(name);

	if (l < 1 || !(p->st[l - 1].kind == ST_DIR ||
		       (p->st[l - 1].kind == ST_INSN &&
			(p->st[l - 1].isa->flags & (I_JMP | I_RET)))))
		return false;
	for (j = 0; j < p->nst; j++) {
		struct stmt *s = &p->st[j];

		if (s->kind == ST_INSN && s->nops == 1 && s->op[0].kind == OP_SYM &&
		    !strcmp(s->op[0].text, name))
			return false;	/* jumped or called to */
	}
	for (j = 0; j < p->nst; j++) {
		struct stmt *s = &p->st[j];
		char x[128];
		const char *c;

		if (s->kind != ST_DIR || strcmp(s->name, ".quad") ||
		    strcmp(p->sec[s->section].name, ".rodata.twin_wfix"))
			continue;
		c = strchr(s->args, ',');
		if (!c || (size_t)(c - s->args) >= sizeof(x))
			continue;
		while (*++c == ' ')
			;
		if (strncmp(c, name, n) || c[n])
			continue;
		memcpy(x, s->args, c - s->args);
		x[strcspn(x, ", ")] = 0;
		k = label_stmt(p, x);
		if (k < 1 || p->st[k - 1].kind != ST_INSN ||
		    !is_insn(&p->st[k - 1], "call") ||
		    p->st[k - 1].op[0].kind != OP_SYM ||
		    !thunk_ok(p, p->st[k - 1].op[0].text, &a, &sz, &w, &m))
			return false;
		return w && a == rA && sz == size;
	}
	return false;
}

static bool translated(struct program *p, int i, int rA, int size, int bitreg,
		       int write)
{
	int j = i, k, masked = bitreg < 0;

	/* a thunked write's fix-up path: [popfq] INSN right after its label */
	k = i - 1;
	if (k >= 0 && is_insn(&p->st[k], "popfq"))
		k--;
	if (k >= 0 && p->st[k].kind == ST_LABEL &&
	    !strncmp(p->st[k].name, ".Lsvm_wfix_", 11))
		return bitreg < 0 && wfix_ok(p, k, rA, size);

	/* skip popfq and the bit-offset mask (which must be there for bt*) */
	for (k = 0; k < 4; k++) {
		struct stmt *s;

		j = prev_insn(p, j);
		if (j < 0)
			return false;
		s = &p->st[j];
		if (is_insn(s, "popfq"))
			continue;
		if (is_insn(s, "andl") && bitreg >= 0 && is_reg(&s->op[1], bitreg) &&
		    s->op[0].kind == OP_IMM && atoi(s->op[0].text) == size * 8 - 1) {
			masked = true;
			continue;
		}
		if (is_insn(s, "movl") && bitreg >= 0 && is_reg(&s->op[1], bitreg) &&
		    s->op[1].reg != rA)
			continue;
		break;
	}
	/* a read through a verified thunk: "call __svm_prS_A_B" right before */
	if (masked && bitreg < 0 && is_insn(&p->st[j], "call") &&
	    p->st[j].op[0].kind == OP_SYM) {
		int a, sz, w, m;

		/* a write needs a write thunk (write tag, fix-up path) */
		return thunk_ok(p, p->st[j].op[0].text, &a, &sz, &w, &m) &&
		       a == rA && sz == size && (w || !write);
	}
	return masked && (hit_probe(p, j, rA, size, write) ||
			  miss_probe(p, j, rA, size, write));
}

/* ".quad .Lsvm_wret_N, .Lsvm_wfix_N": a label right after a call to a
 * verified write thunk, and a fix-up label (checked at its access) */
static bool wfix_entry_ok(struct program *p, const struct stmt *d)
{
	char x[128], y[128], tail;
	int k, a, sz, w, m;

	if (strcmp(d->name, ".quad"))
		return false;
	if (!strcmp(d->args, "0, 0"))
		return true;
	if (sscanf(d->args, "%127[^, ], %127[^, ]%c", x, y, &tail) != 2 ||
	    strncmp(y, ".Lsvm_wfix_", 11) || label_stmt(p, y) < 0)
		return false;
	k = label_stmt(p, x);
	return k >= 1 && is_insn(&p->st[k - 1], "call") &&
	       p->st[k - 1].op[0].kind == OP_SYM &&
	       thunk_ok(p, p->st[k - 1].op[0].text, &a, &sz, &w, &m) && w;
}

/* "call __svm_wmiss" at i: the third instruction of a write thunk's miss path. */
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

int verify_file(const char *path, struct policy *pol, int *naccess)
{
	struct program p = { 0 };
	int i, bad = 0;

	*naccess = 0;
	if (asm_parse(&p, path))
		return -1;
	for (i = 0; i < p.nst; i++) {
		struct stmt *s = &p.st[i];
		unsigned f;
		int mi, opsize, size;

		if (s->kind == ST_DIR && p.sec[s->section].text && !s->pushdepth &&
		    (!strcmp(s->name, ".byte") || !strcmp(s->name, ".long") ||
		     !strcmp(s->name, ".quad") || !strcmp(s->name, ".word"))) {
			err_at(path, s->line, "verify: raw data in code");
			bad++;
		}
		/* the runtime redirects a thunk's return to these fix-ups */
		if (s->kind == ST_DIR && !strcmp(p.sec[s->section].name, ".rodata.twin_wfix") &&
		    strcmp(s->name, ".balign") && strcmp(s->name, ".globl") &&
		    strcmp(s->name, ".section") && !wfix_entry_ok(&p, s)) {
			err_at(path, s->line, "verify: bad fix-up table entry");
			bad++;
		}
		if (s->kind != ST_INSN)
			continue;
		f = s->isa->flags;
		isa_lookup(s->name, &opsize);
		if (f & (I_PRIV | I_STR)) {
			err_at(path, s->line, "verify: forbidden instruction '%s'", s->name);
			bad++;
			continue;
		}
		if ((f & (I_CALL | I_JMP)) && s->op[0].star) {
			err_at(path, s->line, "verify: indirect %s", s->name);
			bad++;
			continue;
		}
		if ((f & (I_CALL | I_JMP | I_JCC)) && s->op[0].kind == OP_SYM &&
		    !strcmp(s->op[0].text, "__svm_wmiss")) {
			/* only from a verified write thunk's miss path: it
			 * rewrites the thunk caller's return address */
			if (!(f & I_CALL) || !wmiss_ok(&p, i)) {
				err_at(path, s->line, "verify: %s to __svm_wmiss outside a write thunk",
				       s->name);
				bad++;
			}
		} else if ((f & (I_CALL | I_JMP | I_JCC)) && s->op[0].kind == OP_SYM &&
		    (!strncmp(s->op[0].text, "__svm_pr", 8) ||
		     !strncmp(s->op[0].text, "__svm_pw", 8))) {
			int a, sz, w, m;

			/* a probe thunk: only called, and only if it checks out */
			if (!(f & I_CALL) || !thunk_ok(&p, s->op[0].text, &a, &sz, &w, &m)) {
				err_at(path, s->line, "verify: %s to bad probe thunk '%s'",
				       s->name, s->op[0].text);
				bad++;
			}
		} else if ((f & (I_CALL | I_JMP | I_JCC)) && s->op[0].kind == OP_SYM &&
		    !is_local_label(s->op[0].text) && !isdigit_label(s->op[0].text) &&
		    !call_ok(&p, pol, s->op[0].text)) {
			err_at(path, s->line, "verify: %s to unbound '%s'", s->name,
			       s->op[0].text);
			bad++;
		}
		if (s->nops && is_reg(&s->op[s->nops - 1], REG_RSP) &&
		    !(f & I_PUSHPOP)) {
			const struct operand *a = &s->op[0];
			bool ok = (!strcmp(s->name, "addq") || !strcmp(s->name, "subq")) &&
				  a->kind == OP_IMM;

			ok |= !strcmp(s->name, "leaq") && a->kind == OP_MEM &&
			      a->base == REG_RSP && a->index < 0;
			if (!ok) {
				err_at(path, s->line, "verify: write to %%rsp by '%s'",
				       s->name);
				bad++;
			}
		}
		mi = mem_operand(s);
		if (mi < 0 || (f & I_NOMEM))
			continue;
		{
			struct operand *o = &s->op[mi];
			bool w = mem_writes(s, mi);
			int bitreg = -1;

			if (o->seg[0]) {
				err_at(path, s->line, "verify: segment override %%%s", o->seg);
				bad++;
				continue;
			}
			if (o->base == REG_RSP)
				continue;
			if (o->base == REG_RIP) {
				int n = strict_next(&p, i);

				/* the hit counter: only right after a probe's ja,
				 * right before the add that ends its hit path */
				if (is_hit_count(s) && n >= 0 && i >= 1 &&
				    is_insn(&p.st[i - 1], "ja") && p.st[n].nops == 2 &&
				    p.st[n].op[1].kind == OP_REG &&
				    hit_probe(&p, n, p.st[n].op[1].reg, -1, -1))
					continue;
				if (!own_var(&p, o->disp, w)) {
					err_at(path, s->line, "verify: raw access to %s", o->disp);
					bad++;
				}
				continue;
			}
			/* the probe's own table accesses are checked as part of it */
			if (is_insn(s, "subq") && probe_tag(s, o->base)) {
				int a = prev_insn(&p, i);

				if (a >= 0 && is_insn(&p.st[a], "addq") &&
				    is_mem(&p.st[a].op[0], REG_RIP, "__svm_tlbp") &&
				    is_reg(&p.st[a].op[1], o->base))
					continue;
			}
			/* "addq (%rB), %rA" opening a miss path: valid iff only
			 * verified hit probes with the same rA/rB jump there */
			if (is_insn(s, "addq") && probe_tag(s, o->base) &&
			    s->op[1].kind == OP_REG &&
			    miss_entry(&p, i, o->base, s->op[1].reg))
				continue;
			/* "addq 8(%rB), %rA" ending a probe: valid iff the shape holds */
			if (is_insn(s, "addq") && s->op[1].kind == OP_REG &&
			    hit_probe(&p, i, s->op[1].reg, -1, -1))
				continue;
			if (!strncmp(s->name, "bt", 2) && s->nops == 2 &&
			    s->op[0].kind == OP_REG)
				bitreg = s->op[0].reg;
			size = operand_size(s, opsize);
			if (o->index < 0 && !o->disp[0] &&
			    translated(&p, i, o->base, size, bitreg, mem_writes(s, mi))) {
				(*naccess)++;
				continue;
			}
			if (o->index >= 0 || bitreg >= 0 ||
			    !group_translated(&p, i, o->base, strtol(o->disp, NULL, 0),
					      size, mem_writes(s, mi))) {
				err_at(path, s->line,
				       "verify: memory operand of '%s' not translated by SVM",
				       s->name);
				bad++;
				continue;
			}
			(*naccess)++;
		}
	}
	free(p.st);
	free(p.fn);
	if (bad) {
		fprintf(stderr, "%s: verify: %d problem(s); output refused\n", path, bad);
		return -1;
	}
	return 0;
}
