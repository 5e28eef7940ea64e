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

#endif
