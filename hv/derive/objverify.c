// SPDX-License-Identifier: GPL-2.0
/*
 * twinc --verify FILE.o: the SVM rules checked on the assembled object.
 *
 * Every byte of every executable section is decoded with Zydis (a linear
 * sweep: the rewriter puts no data in code, so a byte that does not decode,
 * or a branch into the middle of an instruction, is a refusal).  Every
 * relocation must sit exactly on a displacement or immediate field and be
 * accounted for by a rule.  Then a forward dataflow over the whole object
 * (fall-through, direct branches, calls returning to the next instruction,
 * the runtime's write fix-up redirect) tracks per register an unsigned
 * integer range (INT), a pointer with a known accessible window (PTR, from
 * an SVM probe), or a TLB entry (ENT); plus the stack depth below the
 * function's return address and which stack slots hold a pushfq'd value.
 *
 * Rules, each named in the one-line refusal (see README.md, "objverify"):
 * every memory operand is the stack frame, the instance's own read-only
 * data or __twin_pcpu_* variables, a TLB entry, or inside a PTR window;
 * no string instruction, no segment override, no privileged, system or
 * unknown-category instruction, no ud2; no indirect branch; direct calls
 * and jumps only to instruction starts, closure functions, probe thunks,
 * stubs, policy-bound externals and runtime entries; %rsp only moved by
 * push/pop/call/ret and bounded constant steps, the same depth on every
 * path, nothing written at or above the return address, ret at depth 0;
 * popfq only of a slot pushfq wrote; thunks return what their name says.
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

#define NREG		16
#define RSP		4
#define FRAME_MAX	4096	/* bytes one function may push or allocate */
#define WIDEN_AFTER	16	/* visits of an instruction before widening */

enum { V_UNK, V_INT, V_PTR, V_ENT };

struct val {
	uint8_t k, tag;		/* tag: ENT, 0 read or 16 write */
	bool w, hit;		/* PTR writable; ENT from a probe that hit */
	int64_t lo, hi;		/* INT [lo, hi]; PTR [lo, hi) */
};

struct state {
	bool live;
	int depth;		/* bytes below the return address */
	uint64_t fl;		/* slot k (depth 8k) holds a pushfq'd value */
	int creg;		/* "cmp $ck, creg" decides the flags, or -1 */
	int64_t ck;
	struct val r[NREG];
};

struct thunk {
	int sec;
	uint64_t start, end;
	bool write;
	int size, a, b;
	uint32_t clobbers;	/* registers the thunk writes */
};

struct ins {
	int sec;
	uint64_t off;
	ZydisDecodedInstruction d;
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	struct orel *rdisp, *rimm;
	uint8_t unit;		/* probe (7/8) or miss (5) unit starting here */
	bool inside;		/* inside a unit: never a node of its own */
	bool target;		/* entered other than by falling into it */
	bool ret_site;		/* right after a call to a write thunk */
	bool entry;		/* a symbol: entered knowing nothing */
	int fixup;		/* write fix-up for this return site, or -1 */
	int visits;
};

FILE *ov_out;
static struct oelf O;
static struct policy *POL;
static struct ins *I;
static int NI;
static struct state *S;
static struct thunk *T;
static int NT;
static int *work, nwork;
static bool *queued;
static jmp_buf refuse_jb;
static int cur = -1;		/* the instruction being judged */
static int cur_sec = -1;	/* else the data being judged */
static uint64_t cur_off;

static void refuse(const char *rule, const char *fmt, ...)
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

static int gpr(ZydisRegister r)
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

struct place {
	int sec;		/* defined section, or -1 */
	uint64_t off;
	struct osym *sym;	/* the symbol named (undefined ones) */
};

static struct place place_of(struct orel *r, int64_t pcrel_adj)
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

static bool pcrel(struct orel *r)
{
	return r->type == R_X86_64_PC32 || r->type == R_X86_64_PLT32;
}

/* end of the instruction minus the field: rip = field + adj */
static int64_t field_adj(int i, struct orel *r)
{
	return (int64_t)(I[i].off + I[i].d.length) - (int64_t)r->off;
}

static int ins_at(int sec, uint64_t off)
{
	if (sec < 0 || !O.sec[sec].exec || off >= O.sec[sec].sh->sh_size)
		return -1;
	return O.sec[sec].at[off];
}

static bool runtime_var(const char *n)
{
	return !strcmp(n, "__svm_tlbp") || !strcmp(n, "__svm_hits") ||
	       !strcmp(n, "__twin_vm_percpu_base");
}

/* names a call or jump may take by relocation to an undefined symbol */
static bool callable_external(const char *n)
{
	struct pentry *e = policy_find(POL, 'e', n);

	if (e && e->bind == B_HV)
		return true;
	return !strcmp(n, "__svm_miss_done") || !strcmp(n, "__svm_rep_movsq") ||
	       !strcmp(n, "__svm_rep_stosq") || !strcmp(n, "__twin_bug") ||
	       !strcmp(n, "__twin_dispatch");
}

/* entries that preserve every register but those they return in */
static bool saving_runtime(const char *n)
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
		if (d->mnemonic == ZYDIS_MNEMONIC_LEA || d->mnemonic == ZYDIS_MNEMONIC_PAUSE)
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
	if (d->meta.category == ZYDIS_CATEGORY_RET &&
	    (d->mnemonic != ZYDIS_MNEMONIC_RET || d->operand_count_visible))
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

static struct thunk *thunk_of(int i);

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
		if (!strcmp(O.sec[I[i].sec].name, ".text.twin_thunks") && !thunk_of(i)) {
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

static struct thunk *thunk_at(int sec, uint64_t off)
{
	int k;

	for (k = 0; k < NT; k++)
		if (T[k].sec == sec && T[k].start == off)
			return &T[k];
	return NULL;
}

static struct thunk *thunk_of(int i)
{
	int k;

	for (k = 0; k < NT; k++)
		if (T[k].sec == I[i].sec && I[i].off >= T[k].start && I[i].off < T[k].end)
			return &T[k];
	return NULL;
}

/* ---- branch targets ---- */

/* where a direct branch goes: an instruction, or -1 and *ext the symbol */
static int branch_target(int i, struct osym **ext)
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
			refuse("code address in data", "refers to %s", y->name);
		if (y->shndx == SHN_UNDEF && (callable_external(y->name) ||
		    runtime_var(y->name) || !strncmp(y->name, "__svm_", 6) ||
		    !strncmp(y->name, "__twin_", 7)))
			refuse("code address in data", "refers to %s", y->name);
	}
	cur_sec = -1;
}

/* ---- probe and miss units ---- */

struct unit {
	int a, b, tag, info, jmp;
	int64_t k;
};
static struct unit *U;		/* per instruction, valid where I[i].unit */

static bool reg64(ZydisDecodedOperand *o, int r)
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
			U[i].jmp = branch_target(i + 6, &ext);
			if (U[i].jmp < 0)
				n = 0;
		} else {
			n = miss_unit(i, &U[i]);
		}
		I[i].unit = n;
		for (j = i + 1; j < i + n; j++)
			I[j].inside = true;
	}
}

/* ---- the dataflow ---- */

static const struct val UNK = { .k = V_UNK };

static struct val v_int(int64_t lo, int64_t hi)
{
	struct val v = { .k = V_INT };

	if (lo < 0 || hi >= (1LL << 40) || lo > hi)
		return UNK;
	v.lo = lo;
	v.hi = hi;
	return v;
}

static struct val v_ptr(int64_t lo, int64_t hi, bool w)
{
	struct val v = { .k = V_PTR };

	if (lo >= hi || lo < -(1LL << 40) || hi > (1LL << 40))
		return UNK;
	v.lo = lo;
	v.hi = hi;
	v.w = w;
	return v;
}

/* a call: translations die (a miss evicts, Xen releases the page) */
static void kill_translations(struct state *st)
{
	int r;

	for (r = 0; r < NREG; r++)
		if (st->r[r].k == V_PTR || st->r[r].k == V_ENT)
			st->r[r] = UNK;
	st->creg = -1;
}

static void kill_all(struct state *st)
{
	int r;

	for (r = 0; r < NREG; r++)
		st->r[r] = UNK;
	st->creg = -1;
}

static struct val join_val(struct val a, struct val b, bool widen)
{
	struct val v = a;

	if (a.k != b.k)
		return UNK;
	switch (a.k) {
	case V_INT:
		v.lo = a.lo < b.lo ? a.lo : b.lo;
		v.hi = a.hi > b.hi ? a.hi : b.hi;
		if (widen && (v.lo != a.lo || v.hi != a.hi))
			return UNK;
		return v;
	case V_PTR:
		v.lo = a.lo > b.lo ? a.lo : b.lo;
		v.hi = a.hi < b.hi ? a.hi : b.hi;
		v.w = a.w && b.w;
		if (v.lo >= v.hi || (widen && (v.lo != a.lo || v.hi != a.hi || v.w != a.w)))
			return UNK;
		return v;
	case V_ENT:
		if (a.tag != b.tag)
			return UNK;
		v.hit = a.hit && b.hit;
		return v;
	}
	return UNK;
}

static void flow_to(int t, struct state *st)
{
	struct state *d = &S[t];
	bool changed = false;
	int r;

	if (t < 0)
		return;
	if (I[t].inside)
		refuse("branch target", "inside a probe or miss unit");
	if (!d->live) {
		*d = *st;
		d->live = true;
		changed = true;
	} else {
		bool widen = ++I[t].visits > WIDEN_AFTER;

		if (d->depth != st->depth) {
			cur = t;
			refuse("stack pointer", "depth differs between paths (%d and %d bytes)",
			       d->depth, st->depth);
		}
		if ((d->fl & st->fl) != d->fl) {
			d->fl &= st->fl;
			changed = true;
		}
		if (d->creg != st->creg || d->ck != st->ck) {
			changed |= d->creg != -1;
			d->creg = -1;
		}
		for (r = 0; r < NREG; r++) {
			struct val v = join_val(d->r[r], st->r[r], widen);

			if (memcmp(&v, &d->r[r], sizeof(v))) {
				d->r[r] = v;
				changed = true;
			}
		}
	}
	if (changed && !queued[t]) {
		queued[t] = true;
		work[nwork++] = t;
	}
}

static void clear_slot(struct state *st, int64_t rel)
{
	/* slot k holds [-8k, -8k+8) relative to the return address */
	int64_t k = (-rel + 7) / 8;

	if (rel < 0 && k < 64)
		st->fl &= ~(1ULL << k);
}

static void check_mem(int i, ZydisDecodedOperand *o, struct state *st)
{
	bool write = o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
	int64_t size = o->size / 8, disp = o->mem.disp.value;
	int b = gpr(o->mem.base), x = gpr(o->mem.index);
	struct val *bv, *xv;
	int64_t lo, hi;

	if (o->mem.type != ZYDIS_MEMOP_TYPE_MEM)
		return;
	if (size <= 0)
		refuse("memory operand", "of no known size");
	if (o->mem.base == ZYDIS_REGISTER_RIP) {
		struct place p;
		struct osec *sc;
		struct osym *y;

		if (!I[i].rdisp || !pcrel(I[i].rdisp))
			refuse("rip-relative operand", "without a symbol");
		p = place_of(I[i].rdisp, field_adj(i, I[i].rdisp));
		if (p.sec < 0) {
			if (!strcmp(p.sym->name, "__twin_vm_percpu_base") && !p.off &&
			    !write && size == 8)
				return;
			if (runtime_var(p.sym->name))
				refuse("runtime variable", "%s%+ld outside a probe unit",
				       p.sym->name, (long)p.off);
			refuse("unprobed driver-VM access", "%s%+ld", p.sym->name, (long)p.off);
		}
		sc = &O.sec[p.sec];
		if (sc->exec)
			refuse("code read as data", "%s+0x%lx", sc->name, (unsigned long)p.off);
		if (sc->write) {
			y = oelf_sym_covering(&O, p.sec, p.off, size);
			if (!y || strncmp(y->name, "__twin_pcpu_", 12))
				refuse("instance data", "%s+0x%lx is no __twin_pcpu_ variable",
				       sc->name, (unsigned long)p.off);
			return;
		}
		if (write)
			refuse("write to read-only data", "%s+0x%lx", sc->name,
			       (unsigned long)p.off);
		if (p.off > sc->sh->sh_size || sc->sh->sh_size - p.off < (uint64_t)size)
			refuse("read outside own data", "%s+0x%lx", sc->name, (unsigned long)p.off);
		return;
	}
	if (o->mem.base == ZYDIS_REGISTER_NONE)
		refuse("absolute memory operand", "0x%lx", (unsigned long)disp);
	if (b < 0)
		refuse("memory operand", "base %s", ZydisRegisterGetString(o->mem.base));
	if (I[i].rdisp)
		refuse("symbolic displacement", "%s on a register base",
		       O.sym[I[i].rdisp->sym].name);
	if (b == RSP) {
		int64_t rel = disp - st->depth;

		if (o->mem.index != ZYDIS_REGISTER_NONE)
			refuse("indexed stack operand", "its reach depends on data");
		if (rel < -FRAME_MAX)
			refuse("stack operand", "%ld bytes below the frame", (long)-rel);
		if (write && rel < 8 && rel + size > 0)
			refuse("return address overwritten", "write at %+ld from it", (long)rel);
		if (write && rel + size > 0)
			refuse("stack operand", "write above the frame (%+ld)", (long)rel);
		if (rel + size > 8)
			refuse("stack operand", "read above the frame (%+ld)", (long)rel);
		if (write) {
			clear_slot(st, rel);
			clear_slot(st, rel + size - 1);
		}
		return;
	}
	bv = &st->r[b];
	if (bv->k == V_ENT) {
		if (write || o->mem.index != ZYDIS_REGISTER_NONE || size != 8 ||
		    (disp != 0 && disp != 8 && disp != 16))
			refuse("TLB entry access", "only reads of its three words");
		return;
	}
	if (bv->k != V_PTR)
		refuse("memory access not translated by SVM", "base %s is no probed pointer",
		       ZydisRegisterGetString(o->mem.base));
	lo = disp;
	hi = disp + size;
	if (o->mem.index != ZYDIS_REGISTER_NONE) {
		xv = x >= 0 ? &st->r[x] : NULL;
		if (!xv || xv->k != V_INT)
			refuse("memory access outside its SVM window", "index %s unbounded",
			       ZydisRegisterGetString(o->mem.index));
		lo += xv->lo * o->mem.scale;
		hi += xv->hi * o->mem.scale;
	}
	if (lo < bv->lo || hi > bv->hi)
		refuse("memory access outside its SVM window", "[%ld, %ld) not in [%ld, %ld)",
		       (long)lo, (long)hi, (long)bv->lo, (long)bv->hi);
	if (write && !bv->w)
		refuse("write through a read translation", "");
}

/* the value an instruction gives its destination, or UNK */
static struct val dest_value(int i, struct state *st)
{
	ZydisDecodedInstruction *d = &I[i].d;
	ZydisDecodedOperand *o = I[i].op;
	int r0 = o[0].type == ZYDIS_OPERAND_TYPE_REGISTER ? gpr(o[0].reg.value) : -1;
	struct val s;
	int64_t imm = o[1].imm.value.s;
	bool has_imm = d->operand_count_visible > 1 &&
		       o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm;

	if (r0 < 0)
		return UNK;
	switch (d->mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
		if (o[0].size == 64 && o[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    o[1].size == 64)
			return st->r[gpr(o[1].reg.value)];
		if (has_imm && o[0].size >= 32)
			return v_int(imm, imm);
		if (o[1].type == ZYDIS_OPERAND_TYPE_MEMORY && o[0].size == 64 &&
		    gpr(o[1].mem.base) >= 0 && o[1].mem.disp.value == 8 &&
		    st->r[gpr(o[1].mem.base)].k == V_ENT && st->r[gpr(o[1].mem.base)].hit)
			return v_ptr(0, 4096, st->r[gpr(o[1].mem.base)].tag == 16);
		return UNK;
	case ZYDIS_MNEMONIC_MOVZX:
		return v_int(0, o[1].size == 8 ? 255 : o[1].size == 16 ? 65535 : -1);
	case ZYDIS_MNEMONIC_AND:
		if (has_imm && o[0].size >= 32 && imm >= 0)
			return st->r[r0].k == V_INT && st->r[r0].hi < imm ?
				st->r[r0] : v_int(0, imm);
		return UNK;
	case ZYDIS_MNEMONIC_ADD:
	case ZYDIS_MNEMONIC_SUB:
		s = st->r[r0];
		if (o[0].size != 64)
			return UNK;
		if (d->mnemonic == ZYDIS_MNEMONIC_ADD && o[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    gpr(o[1].mem.base) >= 0 && o[1].mem.disp.value == 8 &&
		    o[1].mem.index == ZYDIS_REGISTER_NONE && s.k == V_INT) {
			struct val *e = &st->r[gpr(o[1].mem.base)];

			if (e->k == V_ENT && e->hit)
				return v_ptr(-s.lo, 4096 - s.hi, e->tag == 16);
			return UNK;
		}
		if (!has_imm)
			return UNK;
		if (d->mnemonic == ZYDIS_MNEMONIC_SUB)
			imm = -imm;
		if (s.k == V_INT)
			return v_int(s.lo + imm, s.hi + imm);
		if (s.k == V_PTR)
			return v_ptr(s.lo - imm, s.hi - imm, s.w);
		return UNK;
	case ZYDIS_MNEMONIC_LEA: {
		int b = gpr(o[1].mem.base), x = gpr(o[1].mem.index);
		int64_t dsp = o[1].mem.disp.value, sc = o[1].mem.scale;
		struct val xv = v_int(0, 0);

		if (o[0].size != 64 || b < 0 || b == RSP || I[i].rdisp)
			return UNK;
		if (o[1].mem.index != ZYDIS_REGISTER_NONE)
			xv = x >= 0 ? st->r[x] : UNK;
		if (xv.k != V_INT)
			return UNK;
		s = st->r[b];
		if (s.k == V_INT && o[1].mem.index == ZYDIS_REGISTER_NONE)
			return v_int(s.lo + dsp, s.hi + dsp);
		if (s.k == V_PTR)
			return v_ptr(s.lo - dsp - xv.lo * sc, s.hi - dsp - xv.hi * sc, s.w);
		return UNK;
	}
	default:
		return UNK;
	}
}

static bool writes_flags(int i)
{
	const ZydisAccessedFlags *f = I[i].d.cpu_flags;

	return f && (f->modified | f->set_0 | f->set_1 | f->undefined);
}

/* %rsp written: only push/pop/call/ret and bounded constant steps */
static void rsp_write(int i, struct state *st)
{
	ZydisDecodedInstruction *d = &I[i].d;
	ZydisDecodedOperand *o = I[i].op;
	int64_t step;

	if (!reg64(&o[0], RSP) || d->operand_count_visible != 2)
		goto bad;
	if ((d->mnemonic == ZYDIS_MNEMONIC_ADD || d->mnemonic == ZYDIS_MNEMONIC_SUB) &&
	    o[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm) {
		step = o[1].imm.value.s;
		if (step < 0 || step > FRAME_MAX)
			goto bad;
		st->depth += d->mnemonic == ZYDIS_MNEMONIC_SUB ? step : -step;
	} else if (d->mnemonic == ZYDIS_MNEMONIC_LEA && gpr(o[1].mem.base) == RSP &&
		   o[1].mem.index == ZYDIS_REGISTER_NONE && !I[i].rdisp) {
		st->depth -= o[1].mem.disp.value;
	} else {
		goto bad;
	}
	if (st->depth < 0 || st->depth > FRAME_MAX)
		refuse("stack pointer", "moved %s the frame (depth %d)",
		       st->depth < 0 ? "above" : "too far below", st->depth);
	return;
bad:
	refuse("stack pointer", "%s writes %%rsp other than by a bounded constant step",
	       ZydisMnemonicGetString(d->mnemonic));
}

static void bound(struct state *st, int64_t h)
{
	struct val *v = &st->r[st->creg];

	if (h < 0)
		return;
	if (v->k == V_INT)
		*v = v_int(v->lo < h ? v->lo : h, v->hi < h ? v->hi : h);
	else if (v->k == V_UNK)
		*v = v_int(0, h);
}

static void step_call(int i, struct state *st)
{
	struct osym *ext;
	struct thunk *th;
	struct osym *f;
	int t = branch_target(i, &ext), n = i + 1;

	clear_slot(st, -st->depth - 8);
	if (ext) {
		if (!callable_external(ext->name))
			refuse("call target", "%s is not allowed by the policy", ext->name);
		if (saving_runtime(ext->name)) {
			kill_translations(st);
			if (!strncmp(ext->name, "__svm_rep_", 10))
				st->r[1] = st->r[6] = st->r[7] = UNK;
		} else {
			kill_all(st);
		}
	} else if ((th = thunk_at(I[t].sec, I[t].off))) {
		int r;

		kill_translations(st);
		for (r = 0; r < NREG; r++)
			if (th->clobbers & (1u << r))
				st->r[r] = UNK;
		st->r[th->a] = v_ptr(0, th->size, th->write);
		if (n < NI && I[n].fixup >= 0)
			flow_to(I[n].fixup, st);
	} else {
		f = oelf_sym_at(&O, I[t].sec, I[t].off);
		if (!f || !I[t].entry || !strcmp(O.sec[I[t].sec].name, ".text.twin_miss"))
			refuse("call target", "not a function start");
		kill_all(st);
	}
}

/*
 * A thunk's effect on its caller (its register, its clobbers) is read off
 * its own bytes: control must not leave them but by its ret and its miss
 * unit's runtime call.
 */
static void thunk_confined(int i, int t)
{
	struct thunk *th = thunk_of(i);

	if (!th)
		return;
	if (t < 0 || thunk_of(t) != th)
		refuse("thunk", "control leaves the thunk");
}

static void step(int i)
{
	struct state st = S[i], tk;
	ZydisDecodedInstruction *d = &I[i].d;
	struct unit *u = &U[i];
	struct osym *ext;
	struct thunk *th;
	int k, t, next = i + 1;
	bool falls = true;
	struct val nv;
	int r0;

	cur = i;
	if (I[i].unit == 5) {			/* miss unit */
		if (st.depth + 24 > FRAME_MAX)
			refuse("stack pointer", "too deep");
		clear_slot(&st, -st.depth - 8);
		clear_slot(&st, -st.depth - 16);
		clear_slot(&st, -st.depth - 24);
		kill_translations(&st);
		st.r[u->a] = v_ptr(0, u->info & 63, u->info & 64);
		st.r[u->b] = UNK;
		next = i + 5;
		goto fall;
	}
	if (I[i].unit) {			/* probe unit */
		tk = st;
		tk.r[u->a] = UNK;
		tk.r[u->b] = (struct val){ .k = V_ENT, .tag = u->tag };
		tk.creg = -1;
		thunk_confined(i, u->jmp);
		flow_to(u->jmp, &tk);
		st.r[u->a] = v_int(0, u->k);
		st.r[u->b] = (struct val){ .k = V_ENT, .tag = u->tag, .hit = true };
		st.creg = -1;
		next = i + I[i].unit;
		goto fall;
	}
	for (k = 0; k < d->operand_count; k++) {
		ZydisDecodedOperand *o = &I[i].op[k];

		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN) {
			if (gpr(o->mem.base) == RSP &&
			    (d->meta.category == ZYDIS_CATEGORY_PUSH ||
			     d->meta.category == ZYDIS_CATEGORY_POP ||
			     d->meta.category == ZYDIS_CATEGORY_CALL ||
			     d->meta.category == ZYDIS_CATEGORY_RET))
				continue;
			refuse("implicit memory operand", "%s", ZydisMnemonicGetString(d->mnemonic));
		}
		/* no access: a hint never faults nor changes memory */
		if (d->meta.category == ZYDIS_CATEGORY_NOP ||
		    d->meta.category == ZYDIS_CATEGORY_WIDENOP ||
		    d->meta.category == ZYDIS_CATEGORY_PREFETCH)
			continue;
		if (d->meta.category == ZYDIS_CATEGORY_PUSH || d->meta.category == ZYDIS_CATEGORY_POP)
			refuse("stack pointer", "push/pop of a memory operand");
		check_mem(i, o, &st);
	}
	/* bt* with a register bit offset reaches past its operand */
	if (d->meta.category == ZYDIS_CATEGORY_BITBYTE &&
	    I[i].op[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
	    I[i].op[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		struct val *v = &st.r[gpr(I[i].op[1].reg.value)];

		if (v->k != V_INT || v->hi >= I[i].op[0].size)
			refuse("memory access outside its SVM window", "bit offset unbounded");
	}
	switch (d->meta.category) {
	case ZYDIS_CATEGORY_CALL:
		if (thunk_of(i))
			refuse("thunk", "calls other than its miss unit's");
		step_call(i, &st);
		goto fall;
	case ZYDIS_CATEGORY_UNCOND_BR:
		t = branch_target(i, &ext);
		if (ext) {
			bool stub = !strcmp(O.sec[I[i].sec].name, ".text.twin_stubs") &&
				(!strcmp(ext->name, "__twin_upcall") ||
				 !strcmp(ext->name, "__twin_denied"));

			if (!stub && !callable_external(ext->name))
				refuse("call target", "%s is not allowed by the policy", ext->name);
			if (st.depth)
				refuse("stack pointer", "tail call with %d bytes of frame", st.depth);
		}
		thunk_confined(i, t);
		flow_to(t, &st);
		return;
	case ZYDIS_CATEGORY_COND_BR:
		t = branch_target(i, &ext);
		if (ext)
			refuse("call target", "conditional jump out of the object");
		tk = st;
		if (st.creg >= 0) {
			switch (d->mnemonic) {
			case ZYDIS_MNEMONIC_JNBE: bound(&st, st.ck); break;
			case ZYDIS_MNEMONIC_JBE: bound(&tk, st.ck); break;
			case ZYDIS_MNEMONIC_JB: bound(&tk, st.ck - 1); break;
			case ZYDIS_MNEMONIC_JNB: bound(&st, st.ck - 1); break;
			default: break;
			}
		}
		thunk_confined(i, t);
		flow_to(t, &tk);
		goto fall;
	case ZYDIS_CATEGORY_RET:
		if (st.depth)
			refuse("return", "with %d bytes still on the stack: the return "
			       "address is not the caller's", st.depth);
		th = thunk_of(i);
		if (th) {
			struct val *v = &st.r[th->a];

			if (v->k != V_PTR || v->lo > 0 || v->hi < th->size || (th->write && !v->w))
				refuse("thunk", "returns %s unchecked by a probe",
				       ZydisRegisterGetString(ZYDIS_REGISTER_RAX + th->a));
		}
		return;
	case ZYDIS_CATEGORY_PUSH:
		if (d->operand_width != 64)
			refuse("stack pointer", "push of %d bits", d->operand_width);
		st.depth += 8;
		if (st.depth > FRAME_MAX)
			refuse("stack pointer", "too deep");
		clear_slot(&st, -st.depth);
		if (d->mnemonic == ZYDIS_MNEMONIC_PUSHFQ)
			st.fl |= st.depth / 8 < 64 ? 1ULL << (st.depth / 8) : 0;
		break;
	case ZYDIS_CATEGORY_POP:
		if (d->operand_width != 64)
			refuse("stack pointer", "pop of %d bits", d->operand_width);
		if (d->mnemonic == ZYDIS_MNEMONIC_POPFQ &&
		    (st.depth / 8 >= 64 || !(st.fl >> (st.depth / 8) & 1)))
			refuse("popfq", "of a value pushfq did not push");
		clear_slot(&st, -st.depth);
		st.depth -= 8;
		if (st.depth < 0)
			refuse("stack pointer", "pop above the return address");
		break;
	default:
		break;
	}
	/* registers: the destination's new value, everything else written unknown */
	nv = dest_value(i, &st);
	r0 = I[i].op[0].type == ZYDIS_OPERAND_TYPE_REGISTER ? gpr(I[i].op[0].reg.value) : -1;
	if (d->mnemonic == ZYDIS_MNEMONIC_CMP && r0 >= 0 && I[i].op[0].size == 64 &&
	    I[i].op[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !I[i].rimm) {
		st.creg = r0;
		st.ck = I[i].op[1].imm.value.s;
	} else if (writes_flags(i)) {
		st.creg = -1;
	}
	for (k = 0; k < d->operand_count; k++) {
		ZydisDecodedOperand *o = &I[i].op[k];
		int r;

		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) || (r = gpr(o->reg.value)) < 0)
			continue;
		if (r == RSP) {
			if (o->visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN ||
			    (d->meta.category != ZYDIS_CATEGORY_PUSH &&
			     d->meta.category != ZYDIS_CATEGORY_POP))
				rsp_write(i, &st);
			continue;
		}
		st.r[r] = UNK;
		if (st.creg == r)
			st.creg = -1;
	}
	if (r0 >= 0 && r0 != RSP && (I[i].op[0].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
		st.r[r0] = nv;
fall:
	if (!falls)
		return;
	if (next >= NI || I[next].sec != I[i].sec)
		refuse("runs off the end of its section", "");
	thunk_confined(i, next);
	flow_to(next, &st);
}

static void seed(int i)
{
	memset(&S[i], 0, sizeof(S[i]));
	S[i].live = true;
	S[i].creg = -1;
	queued[i] = true;
	work[nwork++] = i;
}

static void drain(void)
{
	while (nwork) {
		int i = work[--nwork];

		queued[i] = false;
		step(i);
	}
}

/*
 * Entry points (every symbol in code) start knowing nothing; then code
 * nothing reaches is judged the same way, one piece at a time, so that
 * it can weaken what it jumps into no more than it must.
 */
static void run_flow(void)
{
	int i;

	S = calloc(NI, sizeof(*S));
	work = malloc(NI * sizeof(int));
	queued = calloc(NI, sizeof(bool));
	for (i = 0; i < NI; i++)
		if (I[i].entry)
			seed(i);
	drain();
	for (i = 0; i < NI; i++) {
		/* alignment padding does nothing wherever it falls */
		if (S[i].live || I[i].inside || I[i].d.meta.category == ZYDIS_CATEGORY_NOP ||
		    I[i].d.meta.category == ZYDIS_CATEGORY_WIDENOP)
			continue;
		seed(i);
		drain();
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
	NI = NT = nwork = 0;
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
	check_data_relocs();
	find_units();
	run_flow();
	for (i = 0; i < NI; i++)
		units += I[i].unit > 5;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!embedded)
		printf("%s: accepted: %d instructions, %d probe units, %d thunks, %.3f s\n", path,
	       NI, units, NT, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
