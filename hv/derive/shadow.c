// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow return stack's units (hv/svm/svm.h says why it exists).
 *
 * At the entry of every derived function (not of a .cold part, a thunk or
 * a stub) the push unit records the return address, after checking that
 * the shadow stack and the CPU's stack have room for this activation:
 *
 *	movq	__twin_rsp(%rip), %r11
 *	cmpq	__twin_rs_end(%rip), %r11
 *	jae	__twin_rs_fail			nested too deep
 *	leaq	-ROOM(%rsp), %r10
 *	cmpq	__twin_stack_min(%rip), %r10
 *	jb	__twin_rs_fail			the stack is exhausted
 *	movq	(%rsp), %r10
 *	movq	%r10, (%r11)
 *	addq	$8, __twin_rsp(%rip)
 *
 * ROOM is the function's deepest frame, with twinc's own pushes and the
 * return address of a call it makes (shadow_room()); the verifier checks
 * that the function never goes deeper than the ROOM its unit checked, and
 * the runtime keeps __twin_stack_min above what its own code and Xen's
 * interrupts need (hv/svm/svm.h): so %rsp stays inside the instance's
 * part of the stack by construction.
 *
 * and every way out of the activation, a ret or a tail call, is the pop
 * unit fused with it:
 *
 *	subq	$8, __twin_rsp(%rip)
 *	movq	__twin_rsp(%rip), %r11
 *	movq	(%r11), %r11
 *	cmpq	%r11, (%rsp)
 *	jne	__twin_rs_fail			the slot was written
 *	ret | jmp TARGET
 *
 * A conditional tail call "jCC f" becomes "jNCC 1f; <pop unit>; jmp f; 1:".
 * %r10, %r11 and the flags are free at both places (scratch registers,
 * not arguments, in the SysV ABI; the rewriter already refuses code that
 * keeps %r10/%r11 across a local call, -fipa-ra).  The machine-code
 * verifier matches these exact sequences (objverify.c) and checks that
 * every activation runs one push unit and then one pop unit.
 */
#include <stdio.h>
#include <string.h>
#include "twinc.h"

/* the label of function f's entry (not "f.cold", which shares f's frame) */
bool shadow_entry_label(struct program *p, int i)
{
	const struct stmt *s = &p->st[i];

	return s->kind == ST_LABEL && s->func >= 0 && p->fn[s->func].parent < 0 &&
	       !strcmp(s->name, p->fn[s->func].name);
}

/* a jmp or jCC to t leaves the activation: t is a function or external */
bool shadow_tail_target(struct program *p, const char *t)
{
	int f;

	if (is_local_label(t) || isdigit_label(t))
		return false;
	f = find_func(p, t);
	return f < 0 || p->fn[f].parent < 0;
}

/*
 * The stack room function f (the entry label i) needs: its deepest frame
 * (flow.c; .cold parts included), the margin for twinc's own pushes (the
 * verifier refuses a function that went deeper than its room), and
 * a call's return address; a function whose depth is known only as a
 * range (variable-length arrays) gets the whole frame bound.
 */
int shadow_room(struct program *p, int i)
{
	int f = p->st[i].func, fail, k, deepest = 0;
	const struct frame *fr = stack_frames(p, i, 0, &fail);

	if (!fr || fail >= 0)
		return TWIN_FRAME_MAX + 8;
	for (k = 0; k < p->nst; k++) {
		int g = p->st[k].func;

		if (fr[k].lo < 0 || g < 0 || (g != f && p->fn[g].parent != f))
			continue;
		if (fr[k].ranged)
			return TWIN_FRAME_MAX + 8;
		deepest = fr[k].hi > deepest ? fr[k].hi : deepest;
	}
	return deepest + TWIN_PUSH_MARGIN + 8;
}

void shadow_push(FILE *out, int room)
{
	fprintf(out, "\tmovq\t__twin_rsp(%%rip), %%r11\n"
		"\tcmpq\t__twin_rs_end(%%rip), %%r11\n"
		"\tjae\t__twin_rs_fail\n"
		"\tleaq\t-%d(%%rsp), %%r10\n"
		"\tcmpq\t__twin_stack_min(%%rip), %%r10\n"
		"\tjb\t__twin_rs_fail\n"
		"\tmovq\t(%%rsp), %%r10\n"
		"\tmovq\t%%r10, (%%r11)\n"
		"\taddq\t$8, __twin_rsp(%%rip)\n", room);
}

/* "jne" -> "je", "jbe" -> "jnbe", "jpe" -> "jpo"; NULL for jcxz & co */
static bool jcc_inverse(const char *jcc, char *buf, size_t n)
{
	const char *cc = jcc + 1;

	if (jcc[0] != 'j' || !*cc || strstr(cc, "cxz"))
		return false;
	if (!strcmp(cc, "pe") || !strcmp(cc, "po"))
		snprintf(buf, n, "jp%c", cc[1] == 'e' ? 'o' : 'e');
	else if (cc[0] == 'n')
		snprintf(buf, n, "j%s", cc + 1);
	else
		snprintf(buf, n, "jn%s", cc);
	return true;
}

/*
 * The way out: insn "ret", "jmp" or a jCC, to target (NULL for ret);
 * site makes the label of a split conditional tail call unique.
 * -1 for a conditional jump with no inverse.
 */
int shadow_exit(FILE *out, const char *insn, const char *target, int site)
{
	char inv[16];
	bool cond = strcmp(insn, "ret") && strcmp(insn, "jmp");

	if (cond) {
		if (!jcc_inverse(insn, inv, sizeof(inv)))
			return -1;
		fprintf(out, "\t%s\t.Lsvm_rsk_%d\n", inv, site);
	}
	fputs("\tsubq\t$8, __twin_rsp(%rip)\n"
	      "\tmovq\t__twin_rsp(%rip), %r11\n"
	      "\tmovq\t(%r11), %r11\n"
	      "\tcmpq\t%r11, (%rsp)\n"
	      "\tjne\t__twin_rs_fail\n", out);
	if (target)
		fprintf(out, "\tjmp\t%s\n", target);
	else
		fputs("\tret\n", out);
	if (cond)
		fprintf(out, ".Lsvm_rsk_%d:\n", site);
	return 0;
}
