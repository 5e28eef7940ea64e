// SPDX-License-Identifier: GPL-2.0
/*
 * The derivation policy: which functions are the fast path, which indirect
 * call targets exist, how each external function is bound and how each
 * per-CPU symbol is treated.  One statement per line:
 *
 *   root      e1000_xmit_frame
 *   indirect  e1000_clean_rx_irq
 *   extern    dma_map_page_attrs   hv|upcall|stub|deny
 *   percpu    __preempt_count      vm|hv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

struct pentry *policy_find(struct policy *p, int kind, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->e[i].kind == kind && !strcmp(p->e[i].name, name))
			return &p->e[i];
	return NULL;
}

static int bind_parse(const char *s, int kind)
{
	if (kind == 'e') {
		if (!strcmp(s, "hv")) return B_HV;
		if (!strcmp(s, "upcall")) return B_UPCALL;
		if (!strcmp(s, "stub")) return B_STUB;
		if (!strcmp(s, "deny")) return B_DENY;
	} else if (kind == 'p') {
		if (!strcmp(s, "vm")) return P_VM;
		if (!strcmp(s, "hv")) return P_HV;
	}
	return -1;
}

int policy_load(struct policy *p, const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512], kw[32], name[128], how[32], extra[16];
	int no = 0;

	p->path = path;
	if (!f) {
		err_at(path, 0, "cannot open policy: %m");
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		struct pentry e = { 0 };
		char *hash = strchr(buf, '#');
		int n;

		no++;
		if (hash)
			*hash = 0;
		n = sscanf(buf, "%31s %127s %31s %15s", kw, name, how, extra);
		if (n <= 0)
			continue;
		e.line = no;
		snprintf(e.name, sizeof(e.name), "%s", name);
		if (!strcmp(kw, "root") && n == 2) {
			e.kind = 'r';
		} else if (!strcmp(kw, "indirect") && n == 2) {
			e.kind = 'i';
		} else if ((!strcmp(kw, "extern") && (n == 3 ||
			    (n == 4 && !strcmp(extra, "noreturn")))) ||
			   (!strcmp(kw, "percpu") && n == 3)) {
			e.kind = kw[0] == 'e' ? 'e' : 'p';
			e.noreturn = n == 4;
			e.bind = bind_parse(how, e.kind);
			if (e.bind < 0) {
				err_at(path, no, "bad binding '%s' for %s", how, name);
				goto fail;
			}
		} else {
			err_at(path, no, "cannot parse policy statement '%s'", kw);
			goto fail;
		}
		if (policy_find(p, e.kind, e.name)) {
			err_at(path, no, "%s listed twice", e.name);
			goto fail;
		}
		p->e = realloc(p->e, (p->n + 1) * sizeof(*p->e));
		p->e[p->n++] = e;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}
