// SPDX-License-Identifier: GPL-2.0
/*
 * manifest.json: what the loader in Xen (and the tests) need to know about
 * a derived instance.  Hand-written JSON: names are C identifiers and
 * section-less symbols, so only '"' and '\\' could need escaping.
 */
#include <stdio.h>
#include <string.h>
#include "twinc.h"

static const char *bind_str(int kind, int b)
{
	if (kind == 'p')
		return b == P_VM ? "vm" : "hv";
	switch (b) {
	case B_HV: return "hv";
	case B_UPCALL: return "upcall";
	case B_STUB: return "stub";
	default: return "deny";
	}
}

int manifest_write(const char *path, struct program *p, struct policy *pol,
		   struct stats *st, int verified, double secs,
		   const char *input, long in_bytes, long out_bytes,
		   const char *derived)
{
	FILE *f = fopen(path, "w");
	int i, n = 0, id = 0;

	if (!f)
		return -1;
	fprintf(f, "{\n  \"input\": \"%s\",\n  \"policy\": \"%s\",\n", input, pol->path);
	fprintf(f, "  \"lines_total\": %d,\n  \"lines_parsed\": %d,\n", p->nlines,
		p->nlines);
	fputs("  \"closure\": [", f);
	for (i = 0; i < p->nfn; i++)
		if (p->fn[i].in_closure)
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", p->fn[i].name);
	fputs("],\n  \"indirect_targets\": [", f);
	for (i = 0, n = 0; i < pol->n; i++)
		if (pol->e[i].kind == 'i')
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", pol->e[i].name);
	/* upcall/deny ids are assigned in policy order, as emit_stubs() does */
	fputs("],\n  \"bindings\": {", f);
	for (i = 0, n = 0; i < pol->n; i++) {
		struct pentry *e = &pol->e[i];

		if (e->kind != 'e' || !e->used)
			continue;
		fprintf(f, "%s\n    \"%s\": {\"bind\": \"%s\"", n++ ? "," : "",
			e->name, bind_str('e', e->bind));
		if (e->bind != B_HV)
			fprintf(f, ", \"id\": %d", id++);
		fputc('}', f);
	}
	fputs("\n  },\n  \"percpu\": {", f);
	for (i = 0, n = 0; i < pol->n; i++)
		if (pol->e[i].kind == 'p' && pol->e[i].used)
			fprintf(f, "%s\"%s\": \"%s\"", n++ ? ", " : "", pol->e[i].name,
				bind_str('p', pol->e[i].bind));
	fputs("},\n  \"unused_policy\": [", f);
	for (i = 0, n = 0; i < pol->n; i++)
		if (!pol->e[i].used)
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", pol->e[i].name);
	fputs("],\n", f);
	if (symbols_write(f, derived, pol)) {
		fclose(f);
		return -1;
	}
	fprintf(f, "  \"sites_rewritten\": %d,\n", st->mem_sites);
	fprintf(f, "  \"sites\": {\"svm\": %d, \"stack_untouched\": %d, "
		"\"own_rodata\": %d, \"percpu_vm\": %d, \"percpu_hv\": %d, "
		"\"flags_saved\": %d, \"scratch_saved\": %d, \"rep\": %d, "
		"\"lock\": %d, \"bug\": %d, \"jump_labels\": %d, "
		"\"indirect_calls\": %d, \"external_calls\": %d, "
		"\"rodata_address_rip_relative\": %d},\n",
		st->mem_sites, st->stack_sites, st->rodata_sites, st->percpu_vm,
		st->percpu_hv, st->flags_saved, st->scratch_pushed, st->rep_sites,
		st->lock_sites, st->bug_sites, st->jump_labels, st->icalls,
		st->ext_calls, st->rodata_lea);
	/* explicit non-stack memory operands of the input (jump-label key
	 * tests and rep string operations are twinc's, not operands) */
	fprintf(f, "  \"non_stack_operands\": %d,\n",
		st->mem_sites - st->jump_labels - st->rep_sites +
		st->rodata_sites + st->percpu_hv);
	fprintf(f, "  \"group_probes\": %d,\n  \"group_accesses\": %d,\n",
		st->groups, st->group_accesses);
	fprintf(f, "  \"thunk_sites\": %d,\n  \"thunks\": %d,\n",
		st->thunk_sites, st->thunks);
	fprintf(f, "  \"thunk_groups\": %d,\n  \"thunk_group_accesses\": %d,\n",
		st->tgroups, st->tgroup_accesses);
	fprintf(f, "  \"loop_windows\": %d,\n  \"window_accesses\": %d,\n",
		st->windows, st->window_accesses);
	fprintf(f, "  \"shadow_stack\": {\"entries\": %d, \"exits\": %d},\n",
		st->rs_entries, st->rs_exits);
	fprintf(f, "  \"count_hits\": %s,\n", st->count_hits ? "true" : "false");
	fprintf(f, "  \"instructions_in\": %d,\n", st->insns_in);
	fprintf(f, "  \"text_bytes_original\": %ld,\n  \"text_bytes_derived\": %ld,\n",
		in_bytes, out_bytes);
	fprintf(f, "  \"code_growth\": %.3f,\n",
		in_bytes > 0 ? (double)out_bytes / in_bytes : 0.0);
	fprintf(f, "  \"tlb\": {\"entries\": %d, \"page_shift\": %d},\n",
		1 << SVM_TLB_BITS, SVM_PAGE_SHIFT);
	fprintf(f, "  \"rewrite_seconds\": %.4f,\n", secs);
	fprintf(f, "  \"verified\": %s\n}\n", verified ? "true" : "false");
	return fclose(f);
}
