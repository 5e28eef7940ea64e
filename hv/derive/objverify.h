/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine-code verifier (objverify*.c): reads the assembled ELF
 * relocatable object and checks the SVM rules on what the CPU will run.
 * It shares nothing with the rewriter (asm.c, isa.c, flow.c, rewrite.c)
 * but the policy file: a bug in the rewriter's parser cannot blind it.
 */
#ifndef OBJVERIFY_H
#define OBJVERIFY_H

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

struct policy;

struct osec {
	const char *name;
	Elf64_Shdr *sh;
	const uint8_t *data;	/* NULL for NOBITS */
	bool exec, write;
	int first_insn;		/* index into the instruction array */
	int *at;		/* byte offset -> instruction index, -1 inside one */
};

struct orel {
	int sec;		/* section the relocation patches */
	uint64_t off;
	uint32_t type;
	int sym;
	int64_t addend;
};

struct osym {
	const char *name;
	int shndx;		/* SHN_UNDEF for undefined */
	uint64_t value, size;
	int type;
};

struct oelf {
	const char *path;
	uint8_t *buf;
	size_t len;
	struct osec *sec;
	int nsec;
	struct osym *sym;
	int nsym;
	struct orel *rel;
	int nrel;
};

int oelf_load(struct oelf *o, const char *path);
/* the relocation patching [off, off+len) of section sec, or NULL */
struct orel *oelf_rel_at(struct oelf *o, int sec, uint64_t off);
/* the symbol of section sec at value v (a name, not a section symbol) */
struct osym *oelf_sym_at(struct oelf *o, int sec, uint64_t v);
/* the named symbol whose [value, value+size) holds [v, v+n) */
struct osym *oelf_sym_covering(struct oelf *o, int sec, uint64_t v, uint64_t n);

/*
 * 0 on acceptance (one line on stdout), -1 and one line naming the rule
 * on refusal; embedded (inside a derivation): the refusal on stderr and
 * nothing on acceptance.
 */
int objverify_file(const char *path, struct policy *pol, bool embedded);
extern FILE *ov_out;		/* where the verdict goes */

/*
 * What objverify.c (reading, decoding, static rules, tables, units) and
 * objflow.c (the dataflow) share.
 */
#include <Zydis/Zydis.h>

#define NREG		16
#define RSP		4

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
	uint8_t unit;		/* length of the unit starting here (U[i].kind) */
	bool inside;		/* inside a unit: never a node of its own */
	bool target;		/* entered other than by falling into it */
	bool ret_site;		/* right after a call to a write thunk */
	bool entry;		/* a symbol: entered knowing nothing */
	int fixup;		/* write fix-up for this return site, or -1 */
	bool cg;		/* a label a computed goto's compare chain tests */
	int visits;
};

/* units: exact instruction sequences checked as one step (objverify.c) */
enum unit_kind { UK_NONE, UK_PROBE, UK_MISS, UK_RS_PUSH, UK_RS_POP };

struct unit {
	enum unit_kind kind;
	int a, b, tag, info, jmp;
	int64_t k;
	bool ret;		/* UK_RS_POP: ends in ret (else a tail jmp) */
};

struct place {
	int sec;		/* defined section, or -1 */
	uint64_t off;
	struct osym *sym;	/* the symbol named (undefined ones) */
};

extern struct oelf O;
extern struct policy *POL;
extern struct ins *I;
extern int NI;
extern struct thunk *T;
extern int NT;
extern struct unit *U;		/* per instruction, valid where I[i].unit */
extern int cur;			/* the instruction a refusal names */

void refuse(const char *rule, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
int gpr(ZydisRegister r);
bool reg64(ZydisDecodedOperand *o, int r);
struct place place_of(struct orel *r, int64_t pcrel_adj);
bool pcrel(struct orel *r);
int64_t field_adj(int i, struct orel *r);
int ins_at(int sec, uint64_t off);
bool runtime_var(const char *n);
bool callable_external(const char *n);
bool saving_runtime(const char *n);
bool in_section(int i, const char *name);
struct thunk *thunk_at(int sec, uint64_t off);
struct thunk *thunk_of(int i);
int branch_target(int i, struct osym **ext);
void objflow_run(void);

#endif
