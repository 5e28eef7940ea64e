// SPDX-License-Identifier: GPL-2.0
/*
 * ELF reading for the machine-code verifier: sections, symbols and
 * relocations of an x86-64 relocatable object, every offset and index
 * bounds-checked (the object is untrusted input).  Anything this reader
 * does not understand is a refusal, not a skip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objverify.h"
#include "twinc.h"

static int bad(struct oelf *o, const char *why)
{
	fprintf(ov_out, "%s: refused: elf: %s\n", o->path, why);
	return -1;
}

static bool in_file(struct oelf *o, uint64_t off, uint64_t n)
{
	return off <= o->len && n <= o->len - off;
}

static const char *str_at(struct oelf *o, Elf64_Shdr *strtab, uint32_t i)
{
	const char *s;

	if (!strtab || i >= strtab->sh_size)
		return NULL;
	s = (const char *)o->buf + strtab->sh_offset + i;
	if (!memchr(s, 0, strtab->sh_size - i))
		return NULL;
	return s;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct orel *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec - y->sec;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int load_rela(struct oelf *o, Elf64_Shdr *sh)
{
	Elf64_Rela *r = (Elf64_Rela *)(o->buf + sh->sh_offset);
	size_t i, n = sh->sh_size / sizeof(*r);

	if (sh->sh_entsize != sizeof(*r) || sh->sh_size % sizeof(*r))
		return bad(o, "malformed relocation section");
	if (sh->sh_info == 0 || sh->sh_info >= (unsigned)o->nsec)
		return bad(o, "relocation section for no section");
	o->rel = realloc(o->rel, (o->nrel + n) * sizeof(*o->rel));
	for (i = 0; i < n; i++) {
		struct orel *d = &o->rel[o->nrel++];
		struct osec *t = &o->sec[sh->sh_info];

		d->sec = sh->sh_info;
		d->off = r[i].r_offset;
		d->type = ELF64_R_TYPE(r[i].r_info);
		d->sym = ELF64_R_SYM(r[i].r_info);
		d->addend = r[i].r_addend;
		if (d->sym <= 0 || d->sym >= o->nsym)
			return bad(o, "relocation against no symbol");
		if (d->off > t->sh->sh_size || t->sh->sh_size - d->off < 4)
			return bad(o, "relocation outside its section");
	}
	return 0;
}

int oelf_load(struct oelf *o, const char *path)
{
	FILE *f = fopen(path, "rb");
	Elf64_Ehdr *eh;
	Elf64_Shdr *shs, *symtab = NULL;
	int i;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (!f) {
		fprintf(ov_out, "%s: refused: cannot open\n", path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	o->len = ftell(f);
	rewind(f);
	o->buf = malloc(o->len + 1);
	if (fread(o->buf, 1, o->len, f) != o->len) {
		fclose(f);
		return bad(o, "short read");
	}
	fclose(f);
	eh = (Elf64_Ehdr *)o->buf;
	if (o->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_type != ET_REL || eh->e_machine != EM_X86_64)
		return bad(o, "not an x86-64 ELF relocatable object");
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(o, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return bad(o, "bad section header table");
	shs = (Elf64_Shdr *)(o->buf + eh->e_shoff);
	o->nsec = eh->e_shnum;
	o->sec = calloc(o->nsec, sizeof(*o->sec));
	for (i = 0; i < o->nsec; i++) {
		struct osec *s = &o->sec[i];
		Elf64_Shdr *sh = &shs[i];

		s->sh = sh;
		s->name = str_at(o, &shs[eh->e_shstrndx], sh->sh_name);
		if (!s->name)
			return bad(o, "section without a name");
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
		    !in_file(o, sh->sh_offset, sh->sh_size))
			return bad(o, "section outside the file");
		if (sh->sh_type != SHT_NOBITS)
			s->data = o->buf + sh->sh_offset;
		s->exec = sh->sh_flags & SHF_EXECINSTR;
		s->write = sh->sh_flags & SHF_WRITE;
		switch (sh->sh_type) {
		case SHT_NULL: case SHT_PROGBITS: case SHT_NOBITS: case SHT_NOTE:
		case SHT_STRTAB: case SHT_RELA: case SHT_GROUP:
			break;
		case SHT_SYMTAB:
			if (symtab)
				return bad(o, "two symbol tables");
			symtab = sh;
			break;
		default:
			return bad(o, "section of a type the verifier does not know");
		}
		/* code is .text or .text.*, never writable, always bits (the
		 * module's empty .init.text and .exit.text hold nothing) */
		if (s->exec && (sh->sh_type != SHT_PROGBITS || s->write ||
				(strcmp(s->name, ".text") && strncmp(s->name, ".text.", 6) &&
				 sh->sh_size))) {
			fprintf(ov_out, "%s: refused: elf: executable section %s the verifier does not know\n",
			       path, s->name);
			return -1;
		}
	}
	if (!symtab || symtab->sh_entsize != sizeof(Elf64_Sym) ||
	    symtab->sh_link >= (unsigned)o->nsec)
		return bad(o, "no usable symbol table");
	o->nsym = symtab->sh_size / sizeof(Elf64_Sym);
	o->sym = calloc(o->nsym, sizeof(*o->sym));
	for (i = 0; i < o->nsym; i++) {
		Elf64_Sym *es = (Elf64_Sym *)(o->buf + symtab->sh_offset) + i;
		struct osym *s = &o->sym[i];

		s->name = str_at(o, &shs[symtab->sh_link], es->st_name);
		s->shndx = es->st_shndx;
		s->value = es->st_value;
		s->size = es->st_size;
		s->type = ELF64_ST_TYPE(es->st_info);
		if (!s->name)
			return bad(o, "symbol without a name");
		if (s->shndx == SHN_COMMON || (s->shndx >= o->nsec && s->shndx != SHN_ABS))
			return bad(o, "symbol in no known section");
		if (s->shndx == SHN_ABS && s->type != STT_FILE)
			return bad(o, "absolute symbol");
		if (s->type == STT_SECTION && i && s->shndx < o->nsec)
			s->name = o->sec[s->shndx].name;
	}
	for (i = 0; i < o->nsec; i++) {
		if (shs[i].sh_type == SHT_RELA && load_rela(o, &shs[i]))
			return -1;
	}
	qsort(o->rel, o->nrel, sizeof(*o->rel), rel_cmp);
	return 0;
}

struct orel *oelf_rel_at(struct oelf *o, int sec, uint64_t off)
{
	int lo = 0, hi = o->nrel - 1;

	while (lo <= hi) {
		int m = (lo + hi) / 2;
		struct orel *r = &o->rel[m];

		if (r->sec == sec && r->off == off)
			return r;
		if (r->sec < sec || (r->sec == sec && r->off < off))
			lo = m + 1;
		else
			hi = m - 1;
	}
	return NULL;
}

struct osym *oelf_sym_at(struct oelf *o, int sec, uint64_t v)
{
	int i;

	for (i = 1; i < o->nsym; i++)
		if (o->sym[i].shndx == sec && o->sym[i].value == v &&
		    o->sym[i].type != STT_SECTION)
			return &o->sym[i];
	return NULL;
}

struct osym *oelf_sym_covering(struct oelf *o, int sec, uint64_t v, uint64_t n)
{
	int i;

	for (i = 1; i < o->nsym; i++) {
		struct osym *s = &o->sym[i];

		if (s->shndx == sec && s->type != STT_SECTION &&
		    v >= s->value && n <= s->size && v - s->value <= s->size - n)
			return s;
	}
	return NULL;
}
