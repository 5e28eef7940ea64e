// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow return stack's units (hv/svm/svm.h says why it exists).
 *
 * At the entry of every derived function (not of a .cold part, a thunk or
 * a stub) the push unit records the return address:
 *
 *	movq	__twin_rsp(%rip), %r11
 *	cmpq	__twin_rs_end(%rip), %r11
 *	jae	__twin_rs_fail			too deep
 *	movq	(%rsp), %r10
 *	movq	%r10, (%r11)
 *	addq	$8, __twin_rsp(%rip)
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

void shadow_push(FILE *out)
{
	fputs("\tmovq\t__twin_rsp(%rip), %r11\n"
	      "\tcmpq\t__twin_rs_end(%rip), %r11\n"
	      "\tjae\t__twin_rs_fail\n"
	      "\tmovq\t(%rsp), %r10\n"
	      "\tmovq\t%r10, (%r11)\n"
	      "\taddq\t$8, __twin_rsp(%rip)\n", out);
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
