// SPDX-License-Identifier: GPL-2.0
/*
 * The instructions twinc understands, with just enough semantics for flag
 * and register liveness and for the verifier.  Anything not listed here is
 * refused: an instruction we cannot classify could touch memory or the
 * machine in a way the rewriter does not see.
 */
#include <string.h>
#include "twinc.h"

#define ALU	(I_FW | I_DSTRW)
#define CMP	(I_FW)
#define JCC	(I_FR | I_JCC)

/* the 30 condition spellings (o no b c nae nb nc ae e z ne nz be na nbe a
 * s ns p pe np po l nge nl ge le ng nle g) of one instruction family */
#define CC_ALL(pre, fl)							\
	{ #pre "o", fl }, { #pre "no", fl }, { #pre "b", fl }, { #pre "c", fl },	\
	{ #pre "nae", fl }, { #pre "nb", fl }, { #pre "nc", fl },		\
	{ #pre "ae", fl }, { #pre "e", fl }, { #pre "z", fl },		\
	{ #pre "ne", fl }, { #pre "nz", fl }, { #pre "be", fl },		\
	{ #pre "na", fl }, { #pre "nbe", fl }, { #pre "a", fl },		\
	{ #pre "s", fl }, { #pre "ns", fl }, { #pre "p", fl },		\
	{ #pre "pe", fl }, { #pre "np", fl }, { #pre "po", fl },		\
	{ #pre "l", fl }, { #pre "nge", fl }, { #pre "nl", fl },		\
	{ #pre "ge", fl }, { #pre "le", fl }, { #pre "ng", fl },		\
	{ #pre "nle", fl }, { #pre "g", fl }

static const struct isa table[] = {
	{ "mov", I_DSTW }, { "movabs", I_DSTW },
	{ "movzb", I_DSTW }, { "movzw", I_DSTW }, { "movsb", I_DSTW },
	{ "movsw", I_DSTW }, { "movsl", I_DSTW }, { "movsx", I_DSTW },
	{ "movzx", I_DSTW },
	{ "lea", I_DSTW | I_NOMEM },
	{ "add", ALU }, { "sub", ALU }, { "and", ALU }, { "or", ALU },
	{ "xor", ALU },
	{ "adc", ALU | I_FR }, { "sbb", ALU | I_FR },
	{ "cmp", CMP }, { "test", CMP },
	{ "bt", CMP }, { "bts", ALU }, { "btr", ALU }, { "btc", ALU },
	/* Shifts and rotates: flags are written only for a non-zero count
	 * (flow.c kills liveness for a non-zero immediate shift); with %cl
	 * they may pass through, so they are neither a use nor a kill. */
	/* inc/dec keep CF: they do not end the liveness of every flag. */
	{ "inc", I_DSTRW }, { "dec", I_DSTRW },
	{ "neg", ALU }, { "not", I_DSTRW },
	{ "shl", I_DSTRW }, { "sal", I_DSTRW }, { "shr", I_DSTRW },
	{ "sar", I_DSTRW }, { "rol", I_DSTRW }, { "ror", I_DSTRW },
	{ "imul", ALU | I_IMPL }, { "mul", ALU | I_IMPL },
	{ "div", ALU | I_IMPL }, { "idiv", ALU | I_IMPL },
	{ "bsr", I_FW | I_DSTW }, { "bsf", I_FW | I_DSTW },
	{ "xchg", I_DSTRW | I_IMPL }, { "xadd", ALU | I_IMPL },
	{ "cmpxchg", ALU | I_IMPL },
	{ "cltq", I_IMPL }, { "cltd", I_IMPL }, { "cqto", I_IMPL },
	{ "cwtl", I_IMPL }, { "cbtw", I_IMPL }, { "cwtd", I_IMPL },
	/* the Intel spellings GAS also takes */
	{ "cbw", I_IMPL }, { "cwde", I_IMPL }, { "cdqe", I_IMPL },
	{ "cwd", I_IMPL }, { "cdq", I_IMPL }, { "cqo", I_IMPL },
	{ "push", I_PUSHPOP }, { "pop", I_PUSHPOP | I_DSTW },
	{ "pushf", I_FR | I_PUSHPOP }, { "popf", I_FW | I_PUSHPOP },
	{ "jmp", I_JMP }, { "call", I_CALL | I_IMPL }, { "ret", I_RET },
	/* bswap and the double shifts: flags like the shifts (neither a
	 * use nor a kill); shld/shrd with two operands are given their
	 * implicit %cl by the parser (asm.c) */
	{ "bswap", I_DSTRW }, { "shld", I_DSTRW }, { "shrd", I_DSTRW },
	/* leave: %rsp = %rbp, pop %rbp; the verifiers need %rbp to be a
	 * frame pointer there (README, "leave") */
	{ "leave", I_IMPL },
	{ "nop", 0 }, { "prefetcht0", I_NOMEM }, { "prefetcht1", I_NOMEM },
	{ "prefetcht2", I_NOMEM }, { "prefetchnta", I_NOMEM }, { "prefetchw", I_NOMEM },
	{ "pause", 0 }, { "lfence", 0 }, { "mfence", 0 }, { "sfence", 0 },
	{ "stos", I_STR | I_IMPL }, { "movsq", I_STR | I_IMPL },
	{ "ud2", 0 },
	/* every spelling GAS accepts of the 16 conditions: jCC, setCC, cmovCC */
	CC_ALL(j, JCC),
	CC_ALL(set, I_FR | I_DSTW),
	CC_ALL(cmov, I_FR | I_DSTRW),
	/* Privileged or machine-level: parsed so we can name them, never emitted. */
	{ "out", I_PRIV | I_IMPL }, { "in", I_PRIV | I_IMPL },
	{ "cli", I_PRIV }, { "sti", I_PRIV }, { "hlt", I_PRIV },
	{ "wrmsr", I_PRIV | I_IMPL }, { "rdmsr", I_PRIV | I_IMPL },
	{ "invlpg", I_PRIV }, { "wbinvd", I_PRIV }, { "swapgs", I_PRIV },
	{ "lgdt", I_PRIV }, { "lidt", I_PRIV }, { "ltr", I_PRIV },
	{ "iretq", I_PRIV }, { "sysretq", I_PRIV }, { "cpuid", I_IMPL },
	{ "rdtsc", I_IMPL },
	{ NULL, 0 }
};

static const struct isa *exact(const char *m)
{
	const struct isa *i;

	for (i = table; i->name; i++)
		if (!strcmp(i->name, m))
			return i;
	return NULL;
}

static int suffix_size(char c)
{
	switch (c) {
	case 'b': return 1;
	case 'w': return 2;
	case 'l': return 4;
	case 'q': return 8;
	}
	return 0;
}

/*
 * Look a mnemonic up; *opsize gets the operand size its suffix says (0 when
 * the operands must say it).  "movzbl" is movzb with a 4-byte destination,
 * but its memory operand is the byte: operand_size() sorts that out.
 */
const struct isa *isa_lookup(const char *m, int *opsize)
{
	const struct isa *i;
	char buf[32];
	size_t n = strlen(m);

	*opsize = 0;
	if (n >= sizeof(buf))
		return NULL;
	/* The AT&T names that end in a size letter but are not suffixed. */
	if (!strcmp(m, "movsq") || !strcmp(m, "stosq")) {
		*opsize = 8;
		return exact(m[0] == 's' ? "stos" : "movsq");
	}
	if (!strcmp(m, "stosl") || !strcmp(m, "stosb")) {
		*opsize = suffix_size(m[4]);
		return exact("stos");
	}
	i = exact(m);
	if (i && (i->flags & (I_JCC | I_JMP | I_CALL | I_RET)))
		return i;
	if (n > 1 && suffix_size(m[n - 1])) {
		memcpy(buf, m, n - 1);
		buf[n - 1] = 0;
		/* movzbl/movslq: the suffix is the destination size */
		if ((!strncmp(buf, "movz", 4) || !strncmp(buf, "movs", 4)) &&
		    strlen(buf) == 5 && suffix_size(buf[4])) {
			*opsize = suffix_size(buf[4]);
			return exact(buf);
		}
		if (exact(buf)) {
			*opsize = suffix_size(m[n - 1]);
			return exact(buf);
		}
	}
	return i;
}

static const char *const names[4][17] = {
	{ "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b",
	  "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "" },
	{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w",
	  "r10w", "r11w", "r12w", "r13w", "r14w", "r15w", "" },
	{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d",
	  "r10d", "r11d", "r12d", "r13d", "r14d", "r15d", "" },
	{ "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9",
	  "r10", "r11", "r12", "r13", "r14", "r15", "rip" },
};

/* "%rax" -> 0 with width 8; the high-byte registers count as their GPR. */
int reg_parse(const char *s, int *width)
{
	static const char *const high[] = { "ah", "ch", "dh", "bh" };
	int w, r;

	if (*s == '%')
		s++;
	for (w = 0; w < 4; w++)
		for (r = 0; r < 17; r++)
			if (names[w][r][0] && !strcmp(names[w][r], s)) {
				*width = 1 << w;
				return r;
			}
	for (r = 0; r < 4; r++)
		if (!strcmp(high[r], s)) {
			*width = 1;
			return r;
		}
	return -1;
}

/* %ah..%bh: same register number and width as %al..%bl, other bits */
bool reg_is_high(const char *s)
{
	if (*s == '%')
		s++;
	return strlen(s) == 2 && s[1] == 'h' && strchr("acdb", s[0]);
}

const char *reg_name(int reg, int width)
{
	int w = width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3;

	return names[w][reg];
}
