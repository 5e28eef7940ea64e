// SPDX-License-Identifier: GPL-2.0
/*
 * Resolving the payload's driver-VM symbols in dom0.
 *
 * The derived instance names dom0's data directly (jiffies, the driver
 * module's parameters and static data, the VM instance's functions that
 * the dispatch table maps indirect calls from): addresses only dom0 knows
 * (KASLR, the module's load address).  Each undefined symbol of the
 * payload that is not part of Xen's support interface becomes an absolute
 * symbol with its dom0 address: from the driver module's own symbol table
 * and /sys/module/DRIVER/sections/, or from /proc/kallsyms.  Xen's loader
 * then refuses the payload if anything else is left undefined.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twinctl.h"

struct elf {
	unsigned char *buf;
	size_t len;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	Elf64_Sym *sym;
	size_t nsym;
	const char *str;
};

static int elf_open(struct elf *e, unsigned char *buf, size_t len, const char *what)
{
	size_t i;

	e->buf = buf;
	e->len = len;
	e->eh = (Elf64_Ehdr *)buf;
	if (len < sizeof(*e->eh) || memcmp(buf, ELFMAG, SELFMAG) ||
	    e->eh->e_ident[EI_CLASS] != ELFCLASS64 || e->eh->e_type != ET_REL ||
	    e->eh->e_shoff + (size_t)e->eh->e_shnum * sizeof(Elf64_Shdr) > len)
		return fail("%s is not a relocatable ELF64 object", what);
	e->sh = (Elf64_Shdr *)(buf + e->eh->e_shoff);
	for (i = 0; i < e->eh->e_shnum; i++) {
		Elf64_Shdr *s = &e->sh[i];

		if (s->sh_type != SHT_SYMTAB)
			continue;
		if (s->sh_offset + s->sh_size > len || s->sh_link >= e->eh->e_shnum)
			return fail("%s: bad symbol table", what);
		e->sym = (Elf64_Sym *)(buf + s->sh_offset);
		e->nsym = s->sh_size / sizeof(Elf64_Sym);
		e->str = (const char *)buf + e->sh[s->sh_link].sh_offset;
		return 0;
	}
	return fail("%s has no symbol table", what);
}

static const char *sec_name(const struct elf *e, unsigned int idx)
{
	const Elf64_Shdr *strs = &e->sh[e->eh->e_shstrndx];

	return (const char *)e->buf + strs->sh_offset + e->sh[idx].sh_name;
}

/* Xen provides these: the support interface's name spaces. */
static bool is_xen_symbol(const char *name)
{
	return !strncmp(name, "twin_", 5) || !strncmp(name, "svm_", 4) ||
	       !strncmp(name, "__svm_", 6) || !strncmp(name, "__twin_", 7);
}

/* The driver module the payload was derived from (e1000, e1000e). */
static const char *module;

/* A symbol of the loaded driver module: its section's load address + value. */
static bool module_lookup(const struct elf *ko, const char *name, unsigned long *addr)
{
	size_t i;

	for (i = 1; i < ko->nsym; i++) {
		const Elf64_Sym *s = &ko->sym[i];
		char path[256];
		unsigned long base;

		if (s->st_shndx == SHN_UNDEF || s->st_shndx >= ko->eh->e_shnum ||
		    strcmp(ko->str + s->st_name, name))
			continue;
		snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", module,
			 sec_name(ko, s->st_shndx));
		if (read_ulong_file(path, &base))
			return false;
		*addr = base + s->st_value;
		return true;
	}
	return false;
}

bool kallsyms_address(const char *name, unsigned long *addr)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], type;
	unsigned long a;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name) &&
		    !strchr(line, '[')) {
			*addr = a;
			found = a != 0;
		}
	fclose(f);
	return found;
}

/* The VM instance's functions appear as __vm__<name> in the payload. */
static bool resolve_one(const struct elf *ko, const char *name, unsigned long *addr)
{
	if (!strncmp(name, "__vm__", 6))
		return module_lookup(ko, name + 6, addr);
	return module_lookup(ko, name, addr) || kallsyms_address(name, addr);
}

/* An unsafe test build carries this section (hv/xen/twin_desc.h). */
static bool is_unsafe_build(const struct elf *e)
{
	unsigned int i;

	for (i = 1; i < e->eh->e_shnum; i++)
		if (!strcmp(sec_name(e, i), ".twin_unsafe"))
			return true;
	return false;
}

int check_payload_safe(const char *path, bool force)
{
	struct elf e;
	size_t len;
	unsigned char *buf = read_whole(path, &len);
	int rc = -1;

	if (!buf)
		return -1;
	if (elf_open(&e, buf, len, path))
		goto out;
	if (is_unsafe_build(&e) && !force) {
		fail("%s is an unsafe test build (SVM does not check Xen's addresses): "
		     "load it with --force, and only in a test", path);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int resolve_payload(const char *in, const char *out, const char *driver, const char *ko_path,
		    int verbose)
{
	struct elf p, ko;
	unsigned char *pbuf, *kbuf;
	size_t plen, klen, i, n = 0;
	int rc = -1;

	module = driver;
	pbuf = read_whole(in, &plen);
	if (!pbuf)
		return -1;
	kbuf = read_whole(ko_path, &klen);
	if (!kbuf) {
		free(pbuf);
		return -1;
	}
	if (elf_open(&p, pbuf, plen, in) || elf_open(&ko, kbuf, klen, ko_path))
		goto out;
	for (i = 1; i < p.nsym; i++) {
		Elf64_Sym *s = &p.sym[i];
		const char *name = p.str + s->st_name;
		unsigned long addr;

		if (s->st_shndx != SHN_UNDEF || !*name || is_xen_symbol(name))
			continue;
		if (!resolve_one(&ko, name, &addr)) {
			fail("cannot resolve %s in dom0 (not in %s nor /proc/kallsyms; is the %s module loaded?)",
			     name, ko_path, driver);
			goto out;
		}
		s->st_shndx = SHN_ABS;
		s->st_value = addr;
		n++;
		if (verbose)
			printf("  %-40s %#lx\n", name, addr);
	}
	if (write_whole(out, pbuf, plen))
		goto out;
	if (verbose)
		printf("resolved %zu driver-VM symbols into %s\n", n, out);
	rc = 0;
out:
	free(pbuf);
	free(kbuf);
	return rc;
}
