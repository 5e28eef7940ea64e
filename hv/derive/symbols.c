// SPDX-License-Identifier: GPL-2.0
/*
 * The symbols a derived instance leaves for its loader, read back from the
 * emitted assembly: those Xen provides (policy "hv" bindings and the SVM
 * runtime) and those that name the driver VM's own data or code (kernel
 * or module symbols: jiffies, a module parameter, a WARN_ONCE flag, the VM
 * instance's functions for the dispatch table), which the loader resolves
 * to driver-VM virtual addresses and which are only ever reached via SVM.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

struct names {
	char (*v)[128];
	int n;
};

static void add(struct names *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return;
	s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	snprintf(s->v[s->n++], 128, "%s", name);
}

/* Every identifier in expr that is not defined in p goes to out. */
static void scan(struct program *p, const char *e, struct names *out)
{
	while (*e) {
		char id[128];
		int n = 0;

		if (isdigit((unsigned char)*e)) {	/* 0xffff, 1b */
			while (isalnum((unsigned char)*e))
				e++;
			continue;
		}
		if (!(isalpha((unsigned char)*e) || *e == '_' || *e == '.')) {
			e++;
			continue;
		}
		while ((isalnum((unsigned char)*e) || *e == '_' || *e == '.' ||
			*e == '$') && n < 127)
			id[n++] = *e++;
		id[n] = 0;
		if (is_local_label(id) || id[0] == '.' || label_stmt(p, id) >= 0)
			continue;
		add(out, id);
	}
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int symbols_write(FILE *f, const char *path, struct policy *pol)
{
	struct program p = { 0 };
	struct names all = { 0 }, defs = { 0 };
	int i, k, nx = 0, nv = 0;

	if (asm_parse(&p, path))
		return -1;
	for (i = 0; i < p.nst; i++) {
		struct stmt *s = &p.st[i];

		if (s->kind == ST_DIR && !strcmp(s->name, ".comm")) {
			char name[128];

			sscanf(s->args, " %127[^ ,]", name);
			add(&defs, name);
		}
		if (s->kind == ST_DIR && (!strcmp(s->name, ".quad") ||
					  !strcmp(s->name, ".long")))
			scan(&p, s->args, &all);
		if (s->kind != ST_INSN)
			continue;
		for (k = 0; k < s->nops; k++) {
			const struct operand *o = &s->op[k];

			if (o->kind == OP_IMM || o->kind == OP_SYM)
				scan(&p, o->text, &all);
			else if (o->kind == OP_MEM)
				scan(&p, o->disp, &all);
		}
	}
	for (i = 0; i < all.n; i++)	/* drop what .comm defines */
		for (k = 0; k < defs.n; k++)
			if (!strcmp(all.v[i], defs.v[k])) {
				memmove(all.v[i], all.v[all.n - 1], sizeof(*all.v));
				all.n--;
				i--;
				break;
			}
	free(defs.v);
	qsort(all.v, all.n, sizeof(*all.v), cmp);
	fputs("  \"xen_symbols\": [", f);
	for (i = 0; i < all.n; i++) {
		struct pentry *e = policy_find(pol, 'e', all.v[i]);

		if ((e && e->bind == B_HV) || !strncmp(all.v[i], "__svm_", 6) ||
		    !strncmp(all.v[i], "__twin_", 7))
			fprintf(f, "%s\"%s\"", nx++ ? ", " : "", all.v[i]);
	}
	fputs("],\n  \"vm_symbols\": [", f);
	for (i = 0; i < all.n; i++) {
		struct pentry *e = policy_find(pol, 'e', all.v[i]);

		if (!((e && e->bind == B_HV) || !strncmp(all.v[i], "__svm_", 6) ||
		      !strncmp(all.v[i], "__twin_", 7)))
			fprintf(f, "%s\"%s\"", nv++ ? ", " : "", all.v[i]);
	}
	fputs("],\n", f);
	free(all.v);
	free(p.st);
	free(p.fn);
	return 0;
}
