// SPDX-License-Identifier: GPL-2.0
/*
 * The fast-path closure: the policy's roots and indirect-call targets, every
 * function they reach by direct calls or jumps, and the ".cold" parts GCC
 * split out of them.  Every callee outside the file must be bound by the
 * policy; an unlisted one stops the derivation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

static int *lab_idx, nlab;
static struct program *lab_prog;
static struct stmt *lab_st;	/* the table is for this statement array */
static int lab_nst;

static int lab_cmp(const void *a, const void *b)
{
	return strcmp(lab_prog->st[*(const int *)a].name,
		      lab_prog->st[*(const int *)b].name);
}

/* Statement index of a label definition, by binary search. */
int label_stmt(struct program *p, const char *name)
{
	int lo = 0, hi, i;

	if (lab_prog != p || lab_st != p->st || lab_nst != p->nst) {
		free(lab_idx);
		lab_idx = malloc(p->nst * sizeof(int));
		nlab = 0;
		for (i = 0; i < p->nst; i++)
			if (p->st[i].kind == ST_LABEL && !isdigit_label(p->st[i].name))
				lab_idx[nlab++] = i;
		lab_prog = p;
		lab_st = p->st;
		lab_nst = p->nst;
		qsort(lab_idx, nlab, sizeof(int), lab_cmp);
	}
	hi = nlab - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(p->st[lab_idx[mid]].name, name);

		if (!c)
			return lab_idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int add(struct program *p, int f, int *work, int *nwork)
{
	if (f < 0 || p->fn[f].in_closure)
		return 0;
	p->fn[f].in_closure = true;
	work[(*nwork)++] = f;
	return 0;
}

int closure_compute(struct program *p, struct policy *pol)
{
	int *work = calloc(p->nfn + 1, sizeof(int)), nwork = 0, i, rc = 0;

	for (i = 0; i < pol->n; i++) {
		struct pentry *e = &pol->e[i];
		int f;

		if (e->kind != 'r' && e->kind != 'i')
			continue;
		f = find_func(p, e->name);
		if (f < 0) {
			err_at(pol->path, e->line, "%s %s is not a function in %s",
			       e->kind == 'r' ? "root" : "indirect target",
			       e->name, p->path);
			free(work);
			return -1;
		}
		e->used = true;
		add(p, f, work, &nwork);
	}
	while (nwork) {
		int f = work[--nwork], j;

		for (j = 0; j < p->nfn; j++)	/* its .cold parts */
			if (p->fn[j].parent == f)
				add(p, j, work, &nwork);
		for (j = p->fn[f].first; j <= p->fn[f].last; j++) {
			struct stmt *s = &p->st[j];
			const char *t;
			struct pentry *e;
			int l;

			if (s->kind != ST_INSN || s->pushdepth ||
			    !(s->isa->flags & (I_CALL | I_JMP | I_JCC)) ||
			    s->nops != 1 || s->op[0].kind != OP_SYM)
				continue;
			t = s->op[0].text;
			if (is_local_label(t) || isdigit_label(t)) {
				l = label_stmt(p, t);
				if (l >= 0)
					add(p, p->st[l].func, work, &nwork);
				continue;
			}
			if (find_func(p, t) >= 0) {
				add(p, find_func(p, t), work, &nwork);
				continue;
			}
			e = policy_find(pol, 'e', t);
			if (!e) {
				err_at(p->path, s->line,
				       "callee '%s' is not bound by policy %s",
				       t, pol->path);
				rc = -1;
				continue;
			}
			e->used = true;
		}
	}
	free(work);
	return rc;
}

void closure_print(struct program *p, FILE *f)
{
	int i;

	fprintf(f, "twinc: closure:");
	for (i = 0; i < p->nfn; i++)
		if (p->fn[i].in_closure)
			fprintf(f, " %s", p->fn[i].name);
	fputc('\n', f);
}

int count_closure(struct program *p)
{
	int i, n = 0;

	for (i = 0; i < p->nfn; i++)
		n += p->fn[i].in_closure;
	return n;
}
