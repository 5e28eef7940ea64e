// SPDX-License-Identifier: GPL-2.0
/*
 * twinc --verify FILE.o: the SVM rules checked on the assembled object.
 *
 * Every byte of every executable section is decoded with Zydis (a linear
 * sweep: the rewriter puts no data in code, so a byte that does not decode,
 * or a branch into the middle of an instruction, is a refusal).  Every
 * relocation must sit exactly on a displacement or immediate field and be
 * accounted for by a rule.  Then a forward dataflow (objflow.c) over the
 * whole object
 * (fall-through, direct branches, calls returning to the next instruction,
 * the runtime's write fix-up redirect) tracks per register an unsigned
 * integer range (INT), a pointer with a known accessible window (PTR, from
 * an SVM probe), or a TLB entry (ENT); plus the stack depth below the
 * function's return address and which stack slots hold a pushfq'd value.
 *
 * Rules, each named in the one-line refusal (README.md, "Machine-code
 * verifier"):
 * every memory operand is the stack frame, the instance's own read-only
 * data or __twin_pcpu_* variables, a TLB entry, or inside a PTR window;
 * no string instruction, no segment override, no privileged, system or
 * unknown-category instruction, no ud2; no indirect branch; direct calls
 * and jumps only to instruction starts, closure functions, probe thunks,
 * stubs, policy-bound externals and runtime entries; %rsp only moved by
 * push/pop/call/ret and bounded constant steps, the same depth on every
 * path, nothing written at or above the return address, ret at depth 0;
 * popfq only of a slot pushfq wrote; thunks return what their name says;
 * every function records its return address on the shadow return stack
 * at entry (push unit) and returns or tail-calls only through the check
 * that its slot still holds it (pop unit), thunks and stubs aside, which
 * neither call nor write memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <Zydis/Zydis.h>
#include "objverify.h"
#include "twinc.h"

FILE *ov_out;
struct oelf O;
struct policy *POL;
struct ins *I;
int NI;
struct thunk *T;
int NT;
static jmp_buf refuse_jb;
int cur = -1;			/* the instruction being judged */
static int cur_sec = -1;	/* else the data being judged */
static uint64_t cur_off;

void refuse(const char *rule, const char *fmt, ...)
{
	va_list ap;

	fprintf(ov_out, "%s: refused: %s", O.path, rule);
	if (cur >= 0)
		fprintf(ov_out, " at %s+0x%lx", O.sec[I[cur].sec].name, (unsigned long)I[cur].off);
	else if (cur_sec >= 0)
		fprintf(ov_out, " at %s+0x%lx", O.sec[cur_sec].name, (unsigned long)cur_off);
	if (fmt && *fmt) {
		fprintf(ov_out, ": ");
		va_start(ap, fmt);
		vfprintf(ov_out, fmt, ap);
		va_end(ap);
	}
	fprintf(ov_out, "\n");
	longjmp(refuse_jb, 1);
}

int gpr(ZydisRegister r)
{
	r = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		return r - ZYDIS_REGISTER_RAX;
	return -1;
}

static int reg_by_name(const char *s, const char **end)
{
	static const char *n[NREG] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
		"rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	int i, best = -1;

	for (i = 0; i < NREG; i++)
		if (!strncmp(s, n[i], strlen(n[i])) &&
		    (best < 0 || strlen(n[i]) > strlen(n[best])))
			best = i;
	if (best >= 0)
		*end = s + strlen(n[best]);
	return best;
}

/* ---- where a relocation points ---- */

struct place place_of(struct orel *r, int64_t pcrel_adj)
{
	struct osym *s = &O.sym[r->sym];
	struct place p = { -1, 0, s };

	if (s->shndx != SHN_UNDEF) {
		p.sec = s->shndx;
		p.off = s->value + r->addend + pcrel_adj;
	} else if (r->addend + pcrel_adj != 0) {
		p.off = r->addend + pcrel_adj;	/* sym+off: refused by users */
	}
	return p;
}

bool pcrel(struct orel *r)
{
	return r->type == R_X86_64_PC32 || r->type == R_X86_64_PLT32;
}

/* end of the instruction minus the field: rip = field + adj */
int64_t field_adj(int i, struct orel *r)
{
	return (int64_t)(I[i].off + I[i].d.length) - (int64_t)r->off;
}

int ins_at(int sec, uint64_t off)
{
	if (sec < 0 || !O.sec[sec].exec || off >= O.sec[sec].sh->sh_size)
		return -1;
	return O.sec[sec].at[off];
}

bool runtime_var(const char *n)
{
	return !strcmp(n, "__svm_tlbp") || !strcmp(n, "__svm_hits") ||
	       !strcmp(n, "__twin_vm_percpu_base") || !strcmp(n, "__twin_rsp") ||
	       !strcmp(n, "__twin_rs_end") || !strcmp(n, "__twin_stack_min") ||
	       !strcmp(n, "__twin_call_sp");
}

/* names a call or jump may take by relocation to an undefined symbol */
bool callable_external(const char *n)
{
	struct pentry *e = policy_find(POL, 'e', n);

	if (e && e->bind == B_HV)
		return true;
	return !strcmp(n, "__svm_miss_done") || !strcmp(n, "__svm_rep_movsq") ||
	       !strcmp(n, "__svm_rep_stosq") || !strcmp(n, "__twin_bug") ||
	       !strcmp(n, "__twin_dispatch");
}

bool in_section(int i, const char *name)
{
	return !strcmp(O.sec[I[i].sec].name, name);
}

/* entries that preserve every register but those they return in */
bool saving_runtime(const char *n)
{
	return !strncmp(n, "__svm_", 6) || !strcmp(n, "__twin_bug");
}

/* ---- decoding and the static rules ---- */

static void check_static(int i)
{
	ZydisDecodedInstruction *d = &I[i].d;
	int k;

	cur = i;
	if (d->mnemonic == ZYDIS_MNEMONIC_UD2 || d->mnemonic == ZYDIS_MNEMONIC_UD0 ||
	    d->mnemonic == ZYDIS_MNEMONIC_UD1)
		refuse("ud2", "raw undefined-opcode trap (BUG is __twin_bug)");
	if (d->meta.category == ZYDIS_CATEGORY_STRINGOP)
		refuse("string instruction", "%s", ZydisMnemonicGetString(d->mnemonic));
	if (d->attributes & (ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS))
		refuse("segment override", "%%fs/%%gs");
	if (d->attributes & ZYDIS_ATTRIB_IS_PRIVILEGED)
		refuse("privileged instruction", "%s", ZydisMnemonicGetString(d->mnemonic));
	switch (d->meta.category) {
	case ZYDIS_CATEGORY_BINARY: case ZYDIS_CATEGORY_BITBYTE: case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_CMOV: case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_CONVERT:
	case ZYDIS_CATEGORY_DATAXFER: case ZYDIS_CATEGORY_LOGICAL: case ZYDIS_CATEGORY_NOP:
	case ZYDIS_CATEGORY_WIDENOP: case ZYDIS_CATEGORY_POP: case ZYDIS_CATEGORY_PUSH:
	case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_ROTATE: case ZYDIS_CATEGORY_SEMAPHORE:
	case ZYDIS_CATEGORY_SETCC: case ZYDIS_CATEGORY_SHIFT: case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_FLAGOP: case ZYDIS_CATEGORY_PREFETCH:
		break;
	case ZYDIS_CATEGORY_MISC:
		if (d->mnemonic == ZYDIS_MNEMONIC_LEA || d->mnemonic == ZYDIS_MNEMONIC_PAUSE ||
		    d->mnemonic == ZYDIS_MNEMONIC_LEAVE)	/* objflow.c: the "leave" rule */
			break;
		/* wmb(), rmb() and mb() (e1000e orders descriptor writes before
		 * the tail write with wmb()): ordering only, no operand */
		if ((d->mnemonic == ZYDIS_MNEMONIC_SFENCE || d->mnemonic == ZYDIS_MNEMONIC_LFENCE ||
		     d->mnemonic == ZYDIS_MNEMONIC_MFENCE) && !d->operand_count_visible)
			break;
		/* fall through */
	default:
		refuse("instruction not allowed", "%s (category %s)",
		       ZydisMnemonicGetString(d->mnemonic),
		       ZydisCategoryGetString(d->meta.category));
	}
	/* cli/sti are IOPL-sensitive, not privileged, for Zydis; std breaks
	 * Xen's string copies (DF=1) */
	if (d->meta.category == ZYDIS_CATEGORY_FLAGOP &&
	    d->mnemonic != ZYDIS_MNEMONIC_CLC && d->mnemonic != ZYDIS_MNEMONIC_STC &&
	    d->mnemonic != ZYDIS_MNEMONIC_CMC && d->mnemonic != ZYDIS_MNEMONIC_CLD &&
	    d->mnemonic != ZYDIS_MNEMONIC_LAHF && d->mnemonic != ZYDIS_MNEMONIC_SAHF &&
	    d->mnemonic != ZYDIS_MNEMONIC_PUSHFQ && d->mnemonic != ZYDIS_MNEMONIC_POPFQ)
		refuse("instruction not allowed", "%s", ZydisMnemonicGetString(d->mnemonic));
	for (k = 0; k < d->operand_count; k++) {
		ZydisDecodedOperand *o = &I[i].op[k];
		ZydisRegisterClass c;

		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
			continue;
		c = ZydisRegisterGetClass(o->reg.value);
		if (c != ZYDIS_REGCLASS_GPR8 && c != ZYDIS_REGCLASS_GPR16 &&
		    c != ZYDIS_REGCLASS_GPR32 && c != ZYDIS_REGCLASS_GPR64 &&
		    c != ZYDIS_REGCLASS_FLAGS && c != ZYDIS_REGCLASS_IP)
			refuse("instruction not allowed", "register %s",
			       ZydisRegisterGetString(o->reg.value));
	}
	if (d->meta.category == ZYDIS_CATEGORY_CALL ||
	    d->meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
	    d->meta.category == ZYDIS_CATEGORY_COND_BR) {
		if (d->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR ||
		    I[i].op[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !I[i].op[0].imm.is_relative)
			refuse("indirect branch", "%s through a register or memory "
			       "(only __twin_dispatch)", ZydisMnemonicGetString(d->mnemonic));
	}
	/* lret (0xcb) decodes as RET too: it would pop a code segment */
	if (d->meta.category == ZYDIS_CATEGORY_RET &&
	    (d->mnemonic != ZYDIS_MNEMONIC_RET || d->operand_count_visible ||
	     d->meta.branch_type != ZYDIS_BRANCH_TYPE_NEAR))
		refuse("return", "only a plain near ret");
}

static void decode_all(void)
{
	ZydisDecoder dec;
	int s;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (s = 0; s < O.nsec; s++) {
		struct osec *sc = &O.sec[s];
		uint64_t off = 0, n = sc->sh->sh_size;

		if (!sc->exec)
			continue;
		sc->first_insn = NI;
		sc->at = malloc((n + 1) * sizeof(int));
		memset(sc->at, 0xff, (n + 1) * sizeof(int));
		while (off < n) {
			struct ins *x;

			I = realloc(I, (NI + 1) * sizeof(*I));
			x = &I[NI];
			memset(x, 0, sizeof(*x));
			x->sec = s;
			x->off = off;
			x->fixup = -1;
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, sc->data + off, n - off,
								 &x->d, x->op))) {
				cur = -1;
				refuse("undecodable bytes", "at %s+0x%lx", sc->name,
				       (unsigned long)off);
			}
			sc->at[off] = NI++;
			off += x->d.length;
		}
	}
}

/*
 * An address as a value (an immediate, a lea's displacement) is harmless
 * by itself: memory is reached only through probes, code only by direct
 * branches and the dispatch table.  The runtime's own code and variables
 * are no value the instance has a use for; a pc-relative field is a
 * branch or a rip-relative operand, nothing else.
 */
static void reloc_target_allowed(int i, struct orel *r)
{
	struct osym *y = &O.sym[r->sym];
	const char *sn = y->shndx != SHN_UNDEF ? O.sec[y->shndx].name : "";

	if (pcrel(r)) {
		if (r == I[i].rimm && !I[i].op[0].imm.is_relative)
			refuse("relocation", "pc-relative immediate against %s", y->name);
		return;
	}
	if (!strcmp(sn, ".text.twin_thunks") || !strcmp(sn, ".text.twin_miss") ||
	    (y->shndx == SHN_UNDEF && (!strncmp(y->name, "__svm_", 6) ||
				       !strncmp(y->name, "__twin_", 7))))
		refuse("relocation", "address of the runtime's %s as a value", y->name);
}

/* every relocation in code sits on one field of one instruction */
static void place_relocs(void)
{
	int j;

	for (j = 0; j < O.nrel; j++) {
		struct orel *r = &O.rel[j];
		struct osec *sc = &O.sec[r->sec];
		uint64_t o = r->off;
		struct ins *x;
		int i, fsize = r->type == R_X86_64_64 ? 8 : 4;

		if (!sc->exec)
			continue;
		while (o > 0 && sc->at[o] < 0)
			o--;
		i = sc->at[o];
		x = &I[i];
		cur = i;
		if (r->type != R_X86_64_PC32 && r->type != R_X86_64_PLT32 &&
		    r->type != R_X86_64_32S && r->type != R_X86_64_32 &&
		    r->type != R_X86_64_64)
			refuse("relocation", "type %u not accounted for", r->type);
		if (x->d.raw.disp.size && r->off == x->off + x->d.raw.disp.offset &&
		    x->d.raw.disp.size / 8 == fsize && !x->rdisp)
			x->rdisp = r;
		else if (x->d.raw.imm[0].size && r->off == x->off + x->d.raw.imm[0].offset &&
			 x->d.raw.imm[0].size / 8 == fsize && !x->rimm)
			x->rimm = r;
		else
			refuse("relocation", "against %s does not patch one displacement "
			       "or immediate field", O.sym[r->sym].name);
		reloc_target_allowed(i, r);
	}
}

/* ---- thunks: __svm_{pr,pw,qr}SIZE_A_B in .text.twin_thunks ---- */

static bool is_cold(const char *n)
{
	size_t l = strlen(n);

	return l > 5 && !strcmp(n + l - 5, ".cold");
}

static bool parse_thunk(const char *n, struct thunk *t)
{
	const char *p;
	char *e;

	if (strncmp(n, "__svm_", 6) || !n[6])
		return false;
	p = n + 6;
	if (!strncmp(p, "pr", 2) || !strncmp(p, "qr", 2))
		t->write = false;
	else if (!strncmp(p, "pw", 2))
		t->write = true;
	else
		return false;
	t->size = strtol(p + 2, &e, 10);
	if (e == p + 2 || t->size < 1 || t->size > 4096 || *e != '_')
		return false;
	t->a = reg_by_name(e + 1, &p);
	if (t->a < 0 || *p != '_')
		return false;
	t->b = reg_by_name(p + 1, &p);
	return t->b >= 0 && !*p && t->a != t->b && t->a != RSP && t->b != RSP;
}

static void find_thunks(void)
{
	int s, j, i, k;

	for (j = 1; j < O.nsym; j++) {
		struct osym *y = &O.sym[j];
		struct thunk t = { 0 };

		if (y->type == STT_SECTION || y->type == STT_FILE || y->shndx == SHN_UNDEF)
			continue;
		cur = -1;
		cur_sec = y->shndx < O.nsec ? y->shndx : -1;
		cur_off = y->value;
		if (!strncmp(y->name, "__twin_pcpu_", 12) &&
		    (y->shndx >= O.nsec || O.sec[y->shndx].exec || !O.sec[y->shndx].write))
			refuse("__twin_pcpu_ symbol", "%s is not a variable", y->name);
		if (y->shndx >= O.nsec || !O.sec[y->shndx].exec)
			continue;
		if (ins_at(y->shndx, y->value) < 0)
			refuse("symbol", "%s is not at an instruction", y->name);
		I[ins_at(y->shndx, y->value)].target = true;
		/* a function's .cold part is jumped to, with its frame */
		I[ins_at(y->shndx, y->value)].entry = !is_cold(y->name);
		s = y->shndx;
		if (strcmp(O.sec[s].name, ".text.twin_thunks"))
			continue;
		if (!parse_thunk(y->name, &t))
			refuse("thunk", "%s is not a probe thunk's name", y->name);
		t.sec = s;
		t.start = y->value;
		t.end = O.sec[s].sh->sh_size;
		for (k = 1; k < O.nsym; k++)
			if (O.sym[k].shndx == s && O.sym[k].type != STT_SECTION &&
			    O.sym[k].value > t.start && O.sym[k].value < t.end)
				t.end = O.sym[k].value;
		T = realloc(T, (NT + 1) * sizeof(*T));
		T[NT++] = t;
	}
	cur_sec = -1;
	for (i = 0; i < NI; i++)
		if (in_section(i, ".text.twin_thunks") && !thunk_of(i)) {
			cur = i;
			refuse("thunk", "code in .text.twin_thunks outside any thunk");
		}
	/* what each thunk clobbers: every register it writes */
	for (k = 0; k < NT; k++)
		for (i = ins_at(T[k].sec, T[k].start); i < NI && I[i].sec == T[k].sec &&
		     I[i].off < T[k].end; i++)
			for (j = 0; j < I[i].d.operand_count; j++)
				if (I[i].op[j].type == ZYDIS_OPERAND_TYPE_REGISTER &&
				    (I[i].op[j].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
				    gpr(I[i].op[j].reg.value) >= 0)
					T[k].clobbers |= 1u << gpr(I[i].op[j].reg.value);
}

struct thunk *thunk_at(int sec, uint64_t off)
{
	int k;

	for (k = 0; k < NT; k++)
		if (T[k].sec == sec && T[k].start == off)
			return &T[k];
	return NULL;
}

struct thunk *thunk_of(int i)
{
	int k;

	for (k = 0; k < NT; k++)
		if (T[k].sec == I[i].sec && I[i].off >= T[k].start && I[i].off < T[k].end)
			return &T[k];
	return NULL;
}

/* ---- branch targets ---- */

/* where a direct branch goes: an instruction, or -1 and *ext the symbol */
int branch_target(int i, struct osym **ext)
{
	struct ins *x = &I[i];
	struct place p;
	int t;

	*ext = NULL;
	cur = i;
	if (x->rimm) {
		if (!pcrel(x->rimm))
			refuse("relocation", "absolute relocation on a branch");
		p = place_of(x->rimm, field_adj(i, x->rimm));
		if (p.sec < 0) {
			if (p.off)
				refuse("call target", "%s%+ld", p.sym->name, (long)p.off);
			*ext = p.sym;
			return -1;
		}
	} else {
		p.sec = x->sec;
		p.off = x->off + x->d.length + x->op[0].imm.value.s;
	}
	t = ins_at(p.sec, p.off);
	if (t < 0)
		refuse("branch target", "not an instruction start (%s+0x%lx)",
		       p.sec < O.nsec ? O.sec[p.sec].name : "?", (unsigned long)p.off);
	return t;
}

static bool is_branch(int i)
{
	ZydisInstructionCategory c = I[i].d.meta.category;

	return c == ZYDIS_CATEGORY_CALL || c == ZYDIS_CATEGORY_UNCOND_BR ||
	       c == ZYDIS_CATEGORY_COND_BR;
}


/* ---- the tables in data: dispatch and write fix-ups ---- */

static struct orel *data_rel(int sec, uint64_t off)
{
	struct orel *r = oelf_rel_at(&O, sec, off);

	if (r && r->type != R_X86_64_64)
		refuse("relocation", "type %u in %s", r->type, O.sec[sec].name);
	return r;
}

static int code_place(struct orel *r, const char *what)
{
	struct place p = place_of(r, 0);
	int t = ins_at(p.sec, p.off);

	if (t < 0)
		refuse("relocation", "%s entry is not an instruction start", what);
	return t;
}

static void check_dispatch(int s)
{
	struct osec *sc = &O.sec[s];
	uint64_t n = sc->sh->sh_size, e, k;

	if (!sc->data || n % 16 || !n)
		refuse("dispatch table", "size %lu is not whole entries and a terminator",
		       (unsigned long)n);
	cur_sec = s;
	for (e = 0; e + 16 < n; e += 16) {
		struct orel *vm, *in;
		const char *want;
		struct osym *f;
		int t;

		cur_off = e;
		vm = data_rel(s, e);
		in = data_rel(s, e + 8);
		if (!vm || !in)
			refuse("dispatch table", "entry %lu is not {__vm__X, X}", (unsigned long)e / 16);
		t = code_place(in, "dispatch");
		f = oelf_sym_at(&O, I[t].sec, I[t].off);
		if (O.sym[vm->sym].shndx == SHN_UNDEF && !vm->addend &&
		    !strncmp(O.sym[vm->sym].name, "__vm__", 6))
			want = O.sym[vm->sym].name + 6;
		else if (code_place(vm, "dispatch") == t && f)
			want = f->name;	/* --test: the program's own function */
		else
			refuse("dispatch table", "entry %lu is not {__vm__X, X}", (unsigned long)e / 16);
		if (!f || strcmp(f->name, want) || !I[t].entry || !policy_find(POL, 'i', f->name))
			refuse("dispatch table", "entry %lu (%s) is not the start of the "
			       "policy's indirect target", (unsigned long)e / 16, want);
	}
	for (k = e; k < n; k++)
		if (sc->data[k] || oelf_rel_at(&O, s, k))
			refuse("dispatch table", "no zero terminator");
}

static void check_wfix(int s)
{
	uint64_t n = O.sec[s].sh->sh_size, e;

	cur_sec = s;
	if (!O.sec[s].data || n % 16)
		refuse("fix-up table", "size is not whole entries");
	for (e = 0; e < n; e += 16) {
		struct orel *a, *b;
		struct osym *ext;
		struct thunk *t;
		int site, fix, c;

		cur_off = e;
		a = data_rel(s, e);
		b = data_rel(s, e + 8);
		if (!a && !b && e + 16 == n && !memcmp(O.sec[s].data + e, "\0\0\0\0\0\0\0\0"
							   "\0\0\0\0\0\0\0\0", 16))
			break;		/* the terminator */
		if (!a || !b)
			refuse("fix-up table", "entry %lu is not two code addresses",
			       (unsigned long)e / 16);
		site = code_place(a, "fix-up");
		fix = code_place(b, "fix-up");
		c = site - 1;
		if (c < 0 || I[c].sec != I[site].sec || I[c].d.meta.category != ZYDIS_CATEGORY_CALL)
			refuse("fix-up table", "entry %lu is not a return site", (unsigned long)e / 16);
		t = NULL;
		if (branch_target(c, &ext) >= 0)
			t = thunk_at(I[branch_target(c, &ext)].sec, I[branch_target(c, &ext)].off);
		cur = -1;
		if (!t || !t->write)
			refuse("fix-up table", "entry %lu follows no write-thunk call",
			       (unsigned long)e / 16);
		if (I[site].fixup >= 0 && I[site].fixup != fix)
			refuse("fix-up table", "two fix-ups for one site");
		I[site].ret_site = true;
		I[site].fixup = fix;
		I[fix].target = true;
	}
}

/* the function (its name without ".cold") holding instruction i: n bytes of *name */
static bool func_of(int i, const char **name, size_t *n)
{
	int k;

	for (k = 1; k < O.nsym; k++) {
		struct osym *y = &O.sym[k];

		if (y->type == STT_FUNC && y->shndx == I[i].sec && I[i].off >= y->value &&
		    I[i].off - y->value < y->size) {
			*name = y->name;
			*n = is_cold(y->name) ? strlen(y->name) - 5 : strlen(y->name);
			return true;
		}
	}
	return false;
}

static bool same_function(int a, int b)
{
	const char *x, *y;
	size_t m, n;

	return func_of(a, &x, &m) && func_of(b, &y, &n) && m == n && !strncmp(x, y, n);
}

/*
 * A code address in data: only an entry of a computed goto's table, in
 * read-only data, 8 bytes, the start of an instruction a compare chain
 * of the same function jumps to (find_chains), and all entries of the
 * table (the object symbol covering them) in one function.  Such an
 * address is only ever compared: no indirect branch exists to take it.
 */
static void cgoto_entry(struct orel *r)
{
	struct osec *sc = &O.sec[r->sec];
	struct osym *obj;
	struct place p;
	int t, k, u;

	if (sc->write)
		refuse("code address in data", "in writable %s (a computed goto's table "
		       "must be read-only)", sc->name);
	if (r->type != R_X86_64_64)
		refuse("code address in data", "relocation type %u", r->type);
	p = place_of(r, 0);
	t = ins_at(p.sec, p.off);
	if (t < 0 || !I[t].cg)
		refuse("code address in data", "%s+0x%lx is no label a compare chain of "
		       "its function tests", O.sec[p.sec].name, (unsigned long)p.off);
	obj = oelf_sym_covering(&O, r->sec, r->off, 8);
	if (!obj || !obj->size)
		refuse("code address in data", "outside a sized table object");
	for (k = 0; k < O.nrel; k++) {
		struct orel *q = &O.rel[k];
		struct osym *z = &O.sym[q->sym];

		if (q->sec != r->sec || q->off < obj->value || q->off - obj->value >= obj->size ||
		    z->shndx == SHN_UNDEF || z->shndx >= O.nsec || !O.sec[z->shndx].exec)
			continue;
		p = place_of(q, 0);
		u = ins_at(p.sec, p.off);
		if (u >= 0 && !same_function(t, u))
			refuse("code address in data", "table %s holds labels of two functions",
			       obj->name);
	}
}

static void check_data_relocs(void)
{
	int j, s;

	for (s = 0; s < O.nsec; s++) {
		cur = -1;
		if (!strcmp(O.sec[s].name, ".rodata.twin_dispatch"))
			check_dispatch(s);
		else if (!strcmp(O.sec[s].name, ".rodata.twin_wfix"))
			check_wfix(s);
	}
	cur = -1;
	for (j = 0; j < O.nrel; j++) {
		struct orel *r = &O.rel[j];
		struct osym *y = &O.sym[r->sym];
		const char *n = O.sec[r->sec].name;

		if (O.sec[r->sec].exec || !strcmp(n, ".rodata.twin_dispatch") ||
		    !strcmp(n, ".rodata.twin_wfix"))
			continue;
		cur_sec = r->sec;
		cur_off = r->off;
		if (!(O.sec[r->sec].sh->sh_flags & SHF_ALLOC))
			continue;	/* never loaded */
		if (r->type != R_X86_64_64 && r->type != R_X86_64_PC32 &&
		    r->type != R_X86_64_32S && r->type != R_X86_64_32)
			refuse("relocation", "type %u in %s", r->type, n);
		if (y->shndx != SHN_UNDEF && y->shndx < O.nsec && O.sec[y->shndx].exec)
			cgoto_entry(r);
		if (y->shndx == SHN_UNDEF && (callable_external(y->name) ||
		    runtime_var(y->name) || !strncmp(y->name, "__svm_", 6) ||
		    !strncmp(y->name, "__twin_", 7)))
			refuse("code address in data", "refers to %s", y->name);
	}
	cur_sec = -1;
}

/* ---- probe and miss units ---- */

struct unit *U;		/* per instruction, valid where I[i].unit */

bool reg64(ZydisDecodedOperand *o, int r)
{
	return o->type == ZYDIS_OPERAND_TYPE_REGISTER && o->size == 64 &&
	       gpr(o->reg.value) == r;
}

static bool imm_is(ZydisDecodedOperand *o, int64_t v)
{
	return o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && o->imm.value.s == v;
}

/* "insn N(%rip)" naming exactly the undefined symbol n */
static bool rip_sym(int i, ZydisDecodedOperand *o, const char *n)
{
	struct place p;

	if (o->type != ZYDIS_OPERAND_TYPE_MEMORY || o->mem.base != ZYDIS_REGISTER_RIP ||
	    !I[i].rdisp || !pcrel(I[i].rdisp))
		return false;
	p = place_of(I[i].rdisp, field_adj(i, I[i].rdisp));
	return p.sec < 0 && !p.off && !strcmp(p.sym->name, n) && o->size == 64;
}

static bool mn(int i, ZydisMnemonic m)
{
	return i < NI && I[i].d.mnemonic == m && !(I[i].d.attributes &
		(ZYDIS_ATTRIB_HAS_LOCK | ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPNE));
}

static int probe_unit(int i, struct unit *u)
{
	ZydisDecodedOperand *o;
	int n = 7, j;

	if (i + 6 >= NI || I[i + 6].sec != I[i].sec || !mn(i, ZYDIS_MNEMONIC_MOV))
		return 0;
	o = I[i].op;
	if (o[0].type != ZYDIS_OPERAND_TYPE_REGISTER || o[1].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return 0;
	u->b = gpr(o[0].reg.value);
	u->a = gpr(o[1].reg.value);
	if (!reg64(&o[0], u->b) || !reg64(&o[1], u->a) || u->a == u->b ||
	    u->a == RSP || u->b == RSP)
		return 0;
	if (!mn(i + 1, ZYDIS_MNEMONIC_SHR) || !reg64(&I[i + 1].op[0], u->b) ||
	    !imm_is(&I[i + 1].op[1], 7))
		return 0;
	o = I[i + 2].op;
	if (!mn(i + 2, ZYDIS_MNEMONIC_AND) || o[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    gpr(o[0].reg.value) != u->b || o[0].size != 32 || !imm_is(&o[1], 131040))
		return 0;
	if (!mn(i + 3, ZYDIS_MNEMONIC_ADD) || !reg64(&I[i + 3].op[0], u->b) ||
	    !rip_sym(i + 3, &I[i + 3].op[1], "__svm_tlbp"))
		return 0;
	o = I[i + 4].op;
	if (!mn(i + 4, ZYDIS_MNEMONIC_SUB) || !reg64(&o[0], u->a) ||
	    o[1].type != ZYDIS_OPERAND_TYPE_MEMORY || gpr(o[1].mem.base) != u->b ||
	    o[1].mem.index != ZYDIS_REGISTER_NONE || o[1].size != 64 || I[i + 4].rdisp ||
	    (o[1].mem.disp.value != 0 && o[1].mem.disp.value != 16) ||
	    (o[1].mem.segment != ZYDIS_REGISTER_DS && o[1].mem.segment != ZYDIS_REGISTER_SS))
		return 0;
	u->tag = o[1].mem.disp.value;
	o = I[i + 5].op;
	if (!mn(i + 5, ZYDIS_MNEMONIC_CMP) || !reg64(&o[0], u->a) ||
	    o[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || I[i + 5].rimm ||
	    o[1].imm.value.s < 0 || o[1].imm.value.s > 4095)
		return 0;
	u->k = o[1].imm.value.s;
	if (!mn(i + 6, ZYDIS_MNEMONIC_JNBE))
		return 0;
	if (i + 7 < NI && I[i + 7].sec == I[i].sec && mn(i + 7, ZYDIS_MNEMONIC_INC) &&
	    rip_sym(i + 7, &I[i + 7].op[0], "__svm_hits") && !I[i + 7].target)
		n = 8;
	for (j = i + 1; j < i + n; j++)
		if (I[j].target)
			return 0;
	u->jmp = I[i + 6].rimm ? -2 : 0;	/* resolved by the caller */
	return n;
}

static int miss_unit(int i, struct unit *u)
{
	struct place p;
	struct thunk *t;
	int j;

	if (i + 4 >= NI || I[i + 4].sec != I[i].sec || !mn(i, ZYDIS_MNEMONIC_PUSH) ||
	    I[i].op[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || I[i].rimm)
		return 0;
	u->info = I[i].op[0].imm.value.s;
	if (u->info < 1 || u->info >= 128 || !(u->info & 63))
		return 0;
	if (!mn(i + 1, ZYDIS_MNEMONIC_PUSH) || I[i + 1].op[0].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return 0;
	u->a = gpr(I[i + 1].op[0].reg.value);
	if (u->a < 0 || u->a == RSP || !reg64(&I[i + 1].op[0], u->a))
		return 0;
	if (!mn(i + 2, ZYDIS_MNEMONIC_CALL) || !I[i + 2].rimm || !pcrel(I[i + 2].rimm))
		return 0;
	p = place_of(I[i + 2].rimm, field_adj(i + 2, I[i + 2].rimm));
	if (p.sec >= 0 || p.off)
		return 0;
	if (strcmp(p.sym->name, "__svm_miss")) {
		/* __svm_wmiss finds the site at a fixed place: write thunks only */
		t = thunk_of(i);
		if (strcmp(p.sym->name, "__svm_wmiss") || !t || !t->write)
			return 0;
	}
	if (!mn(i + 3, ZYDIS_MNEMONIC_POP) || !reg64(&I[i + 3].op[0], u->a) ||
	    !mn(i + 4, ZYDIS_MNEMONIC_POP) || I[i + 4].op[0].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return 0;
	u->b = gpr(I[i + 4].op[0].reg.value);
	if (u->b < 0 || u->b == RSP || u->b == u->a || !reg64(&I[i + 4].op[0], u->b))
		return 0;
	for (j = i + 1; j < i + 5; j++)
		if (I[j].target)
			return 0;
	return 5;
}

/* "[base]": no index, displacement, relocation or segment override, 64 bits */
static bool plain_mem(int i, ZydisDecodedOperand *o, int base)
{
	return o->type == ZYDIS_OPERAND_TYPE_MEMORY && o->mem.type == ZYDIS_MEMOP_TYPE_MEM &&
	       gpr(o->mem.base) == base && o->mem.index == ZYDIS_REGISTER_NONE &&
	       !o->mem.disp.value && !I[i].rdisp && o->size == 64 &&
	       (o->mem.segment == ZYDIS_REGISTER_DS || o->mem.segment == ZYDIS_REGISTER_SS);
}

/* a jCC m to the runtime's __twin_rs_fail */
static bool to_rs_fail(int i, ZydisMnemonic m)
{
	struct place p;

	if (!mn(i, m) || !I[i].rimm || !pcrel(I[i].rimm))
		return false;
	p = place_of(I[i].rimm, field_adj(i, I[i].rimm));
	return p.sec < 0 && !p.off && !strcmp(p.sym->name, "__twin_rs_fail");
}

static bool no_target_in(int i, int n)
{
	int j;

	if (i + n > NI || I[i + n - 1].sec != I[i].sec)
		return false;
	for (j = i + 1; j < i + n; j++)
		if (I[j].target)
			return false;
	return true;
}

/*
 * The shadow return stack's push unit (hv/derive/shadow.c), at a
 * function's entry: checks that the shadow stack has an entry free and
 * that [rsp - ROOM, rsp) lies above __twin_stack_min, then records [rsp],
 * the return address, at __twin_rsp.  ROOM into u->k.
 */
static int rs_push_unit(int i, struct unit *u)
{
	ZydisDecodedOperand *o;

	if (!no_target_in(i, 9))
		return 0;
	o = I[i].op;
	if (!mn(i, ZYDIS_MNEMONIC_MOV) || !reg64(&o[0], 11) || !rip_sym(i, &o[1], "__twin_rsp"))
		return 0;
	o = I[i + 1].op;
	if (!mn(i + 1, ZYDIS_MNEMONIC_CMP) || !reg64(&o[0], 11) ||
	    !rip_sym(i + 1, &o[1], "__twin_rs_end") || !to_rs_fail(i + 2, ZYDIS_MNEMONIC_JNB))
		return 0;
	o = I[i + 3].op;
	if (!mn(i + 3, ZYDIS_MNEMONIC_LEA) || !reg64(&o[0], 10) ||
	    o[1].type != ZYDIS_OPERAND_TYPE_MEMORY || gpr(o[1].mem.base) != RSP ||
	    o[1].mem.index != ZYDIS_REGISTER_NONE || I[i + 3].rdisp ||
	    o[1].mem.disp.value >= 0 || o[1].mem.disp.value < -(1 << 20))
		return 0;
	u->k = -o[1].mem.disp.value;
	o = I[i + 4].op;
	if (!mn(i + 4, ZYDIS_MNEMONIC_CMP) || !reg64(&o[0], 10) ||
	    !rip_sym(i + 4, &o[1], "__twin_stack_min") || !to_rs_fail(i + 5, ZYDIS_MNEMONIC_JB))
		return 0;
	o = I[i + 6].op;
	if (!mn(i + 6, ZYDIS_MNEMONIC_MOV) || !reg64(&o[0], 10) || !plain_mem(i + 6, &o[1], RSP))
		return 0;
	o = I[i + 7].op;
	if (!mn(i + 7, ZYDIS_MNEMONIC_MOV) || !plain_mem(i + 7, &o[0], 11) || !reg64(&o[1], 10))
		return 0;
	o = I[i + 8].op;
	if (!mn(i + 8, ZYDIS_MNEMONIC_ADD) || !rip_sym(i + 8, &o[0], "__twin_rsp") ||
	    !imm_is(&o[1], 8) || I[i + 8].rimm)
		return 0;
	return 9;
}

/*
 * Its pop unit, fused with the way out of the activation: drops the top
 * entry and goes on only if [rsp] still holds it; then ret, or jmp (a
 * direct tail call).
 */
static int rs_pop_unit(int i, struct unit *u)
{
	ZydisDecodedOperand *o;

	if (!no_target_in(i, 6))
		return 0;
	o = I[i].op;
	if (!mn(i, ZYDIS_MNEMONIC_SUB) || !rip_sym(i, &o[0], "__twin_rsp") ||
	    !imm_is(&o[1], 8) || I[i].rimm)
		return 0;
	o = I[i + 1].op;
	if (!mn(i + 1, ZYDIS_MNEMONIC_MOV) || !reg64(&o[0], 11) ||
	    !rip_sym(i + 1, &o[1], "__twin_rsp"))
		return 0;
	o = I[i + 2].op;
	if (!mn(i + 2, ZYDIS_MNEMONIC_MOV) || !reg64(&o[0], 11) || !plain_mem(i + 2, &o[1], 11))
		return 0;
	o = I[i + 3].op;
	if (!mn(i + 3, ZYDIS_MNEMONIC_CMP) || !plain_mem(i + 3, &o[0], RSP) || !reg64(&o[1], 11) ||
	    !to_rs_fail(i + 4, ZYDIS_MNEMONIC_JNZ))
		return 0;
	o = I[i + 5].op;
	u->ret = mn(i + 5, ZYDIS_MNEMONIC_RET) && !I[i + 5].d.operand_count_visible;
	if (!u->ret && !(mn(i + 5, ZYDIS_MNEMONIC_JMP) &&
			 o[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE))
		return 0;
	return 6;
}

/* "lea rS, [rip + L]": the instruction at L (or -1), rS */
static int lea_code(int i, int *r)
{
	ZydisDecodedOperand *o = I[i].op;
	struct place p;

	if (!mn(i, ZYDIS_MNEMONIC_LEA) || o[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    o[0].size != 64 || (*r = gpr(o[0].reg.value)) < 0 || *r == RSP ||
	    o[1].mem.base != ZYDIS_REGISTER_RIP || o[1].mem.index != ZYDIS_REGISTER_NONE)
		return -1;
	if (I[i].rdisp) {
		if (!pcrel(I[i].rdisp))
			return -1;
		p = place_of(I[i].rdisp, field_adj(i, I[i].rdisp));
	} else {
		p.sec = I[i].sec;
		p.off = I[i].off + I[i].d.length + o[1].mem.disp.value;
	}
	return ins_at(p.sec, p.off);
}

/*
 * A computed goto's compare chain: one or more of
 *	lea rS, [rip + L]; cmp rT, rS; jz L
 * (the same rS and rT), then "push imm; call __twin_bug".  Each L it
 * tests in its own function may be an address in read-only data
 * (cgoto_entry): a value loaded from there goes nowhere but through the
 * chain's compares.
 */
static void find_chains(void)
{
	struct osym *ext;
	struct place p;
	int i, k, n, rs = -1, rt, r, t;

	for (i = 0; i < NI; i++) {
		rt = -1;
		for (k = i, n = 0; k + 2 < NI && I[k + 2].sec == I[i].sec; k += 3, n++) {
			ZydisDecodedOperand *o = I[k + 1].op;

			t = lea_code(k, &r);
			if (t < 0 || (n && r != rs) || !mn(k + 1, ZYDIS_MNEMONIC_CMP) ||
			    o[0].type != ZYDIS_OPERAND_TYPE_REGISTER || o[0].size != 64 ||
			    !reg64(&o[1], r) || gpr(o[0].reg.value) == r ||
			    (rt >= 0 && gpr(o[0].reg.value) != rt) ||
			    !mn(k + 2, ZYDIS_MNEMONIC_JZ) || branch_target(k + 2, &ext) != t)
				break;
			rs = r;
			rt = gpr(o[0].reg.value);
		}
		if (!n || k + 1 >= NI || I[k + 1].sec != I[i].sec || !mn(k, ZYDIS_MNEMONIC_PUSH) ||
		    I[k].op[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || I[k].rimm ||
		    !mn(k + 1, ZYDIS_MNEMONIC_CALL) || !I[k + 1].rimm || !pcrel(I[k + 1].rimm))
			continue;
		p = place_of(I[k + 1].rimm, field_adj(k + 1, I[k + 1].rimm));
		if (p.sec >= 0 || p.off || strcmp(p.sym->name, "__twin_bug"))
			continue;
		for (k = i; k < i + 3 * n; k += 3) {
			t = branch_target(k + 2, &ext);
			if (same_function(t, k + 2))
				I[t].cg = true;
		}
		i += 3 * n + 1;
	}
	cur = -1;
}

static void find_units(void)
{
	struct osym *ext;
	int i, j, n;

	U = calloc(NI, sizeof(*U));
	for (i = 0; i < NI; i++) {
		if (I[i].inside)
			continue;
		n = probe_unit(i, &U[i]);
		if (n) {
			U[i].kind = UK_PROBE;
			U[i].jmp = branch_target(i + 6, &ext);
			if (U[i].jmp < 0)
				n = 0;
		} else if ((n = miss_unit(i, &U[i]))) {
			U[i].kind = UK_MISS;
		} else if ((n = rs_push_unit(i, &U[i]))) {
			U[i].kind = UK_RS_PUSH;
		} else if ((n = rs_pop_unit(i, &U[i]))) {
			U[i].kind = UK_RS_POP;
		}
		if (!n)
			U[i].kind = UK_NONE;
		I[i].unit = n;
		for (j = i + 1; j < i + n; j++)
			I[j].inside = true;
	}
}

int objverify_file(const char *path, struct policy *pol, bool embedded)
{
	struct timespec t0, t1;
	volatile int units = 0;
	int i;

	/* inside a derivation, refusals are errors like twinc's others */
	ov_out = embedded ? stderr : stdout;
	I = NULL;
	T = NULL;
	NI = NT = 0;
	cur = cur_sec = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (oelf_load(&O, path))
		return -1;
	POL = pol;
	if (setjmp(refuse_jb))
		return -1;
	decode_all();
	for (i = 0; i < NI; i++)
		check_static(i);
	place_relocs();
	find_thunks();
	for (i = 0; i < NI; i++) {
		struct osym *ext;
		int t;

		if (is_branch(i) && (t = branch_target(i, &ext)) >= 0 &&
		    I[t].off != I[i].off + I[i].d.length)
			I[t].target = true;
	}
	find_chains();
	check_data_relocs();
	find_units();
	objflow_run();
	for (i = 0; i < NI; i++)
		units += U[i].kind == UK_PROBE;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!embedded)
		printf("%s: accepted: %d instructions, %d probe units, %d thunks, %.3f s\n", path,
	       NI, units, NT, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
