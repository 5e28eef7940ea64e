// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for the GCC x86-64 AT&T assembly twinc consumes.  It is strict on
 * purpose: every line becomes labels, directives or classified
 * instructions, or twinc stops with file:line.  A silently skipped line
 * could be a memory access that escapes SVM.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "twinc.h"

void err_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: error: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool is_local_label(const char *s)
{
	return s[0] == '.' && s[1] == 'L';
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/*
 * Remove "#" and C comments outside string literals; GCC's inline asm
 * can carry both ("jmp .L198 # objtool NOPs this", C comments from macros).
 * A comment may not span lines in what GCC emits; *in_c keeps the state.
 */
static void strip_comments(char *s, bool *in_c)
{
	char *w = s, *r = s;
	bool quote = false;

	while (*r) {
		if (*in_c) {
			if (r[0] == '*' && r[1] == '/') {
				*in_c = false;
				r += 2;
			} else {
				r++;
			}
			continue;
		}
		if (quote) {
			if (*r == '\\' && r[1]) {
				*w++ = *r++;
			} else if (*r == '"') {
				quote = false;
			}
			*w++ = *r++;
			continue;
		}
		if (*r == '"')
			quote = true;
		else if (*r == '#')
			break;
		else if (r[0] == '/' && r[1] == '*') {
			*in_c = true;
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*w = 0;
}

/* Split on top-level commas (not inside parentheses or quotes). */
static int split_ops(char *s, char **out, int max)
{
	int n = 0, depth = 0;
	bool quote = false;
	char *start = s;

	if (!*trim(s))
		return 0;
	for (; ; s++) {
		if (*s == '"')
			quote = !quote;
		if (quote && *s)
			continue;
		if (*s == '(')
			depth++;
		if (*s == ')')
			depth--;
		if ((*s == ',' && depth == 0) || !*s) {
			bool end = !*s;

			if (n == max)
				return -1;
			*s = 0;
			out[n++] = trim(start);
			if (end)
				break;
			start = s + 1;
		}
	}
	return n;
}

int parse_operand(const char *in, struct operand *o)
{
	char buf[256], *s = buf, *p, *q;
	int w;

	memset(o, 0, sizeof(*o));
	o->base = o->index = -1;
	if (strlen(in) >= sizeof(buf))
		return -1;
	strcpy(buf, in);
	s = trim(buf);
	if (*s == '*') {
		o->star = true;
		s = trim(s + 1);
	}
	if (*s == '$') {
		o->kind = OP_IMM;
		snprintf(o->text, sizeof(o->text), "%s", s + 1);
		return 0;
	}
	if (*s == '%' && !strchr(s, ':') && !strchr(s, '(')) {
		o->kind = OP_REG;
		o->reg = reg_parse(s, &o->width);
		o->high = reg_is_high(s);
		return o->reg < 0 ? -1 : 0;
	}
	if (*s == '%') {		/* segment override */
		p = strchr(s, ':');
		if (!p || p - s > 3)
			return -1;
		memcpy(o->seg, s + 1, p - s - 1);
		if (strcmp(o->seg, "gs") && strcmp(o->seg, "fs"))
			return -1;
		s = p + 1;
	}
	p = strchr(s, '(');
	if (!p) {
		/* Bare expression: a jump/call target, or an absolute memory ref. */
		if (!*s)
			return -1;
		o->kind = o->seg[0] ? OP_MEM : OP_SYM;
		snprintf(o->text, sizeof(o->text), "%s", s);
		snprintf(o->disp, sizeof(o->disp), "%s", s);
		return 0;
	}
	o->kind = OP_MEM;
	if (p - s >= (long)sizeof(o->disp))
		return -1;
	memcpy(o->disp, s, p - s);
	o->disp[p - s] = 0;
	q = strchr(p, ')');
	if (!q || q[1])
		return -1;
	*q = 0;
	{
		char *parts[3];
		int n = split_ops(p + 1, parts, 3);

		if (n < 1)
			return -1;
		if (*parts[0]) {
			o->base = reg_parse(parts[0], &w);
			if (o->base < 0 || w != 8)
				return -1;
		}
		if (n >= 2) {
			o->index = reg_parse(parts[1], &w);
			if (o->index < 0 || w != 8 || o->index == REG_RSP ||
			    o->index == REG_RIP)
				return -1;
			o->scale = 1;
		}
		if (n == 3) {
			o->scale = atoi(parts[2]);
			if (o->scale != 1 && o->scale != 2 && o->scale != 4 &&
			    o->scale != 8)
				return -1;
		}
	}
	return 0;
}

static int section_index(struct program *p, const char *name)
{
	int i;

	for (i = 0; i < p->nsec; i++)
		if (!strcmp(p->sec[i].name, name))
			return i;
	if (p->nsec == 64)
		return 0;
	snprintf(p->sec[i].name, sizeof(p->sec[i].name), "%s", name);
	p->sec[i].text = !strncmp(name, ".text", 5) ||
			 !strcmp(name, ".init.text") || !strcmp(name, ".exit.text");
	p->sec[i].ro = !strncmp(name, ".rodata", 7);
	p->nsec++;
	return i;
}

static struct stmt *new_stmt(struct program *p, enum stmt_kind k, int line)
{
	struct stmt *s;

	if (p->nst == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4096;
		p->st = realloc(p->st, p->cap * sizeof(*p->st));
		if (!p->st) {
			perror("twinc");
			exit(2);
		}
	}
	s = &p->st[p->nst++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->line = line;
	s->func = -1;
	s->args = "";
	return s;
}

/* Directives twinc knows the meaning of; anything else is refused. */
static const char *const known_dirs[] = {
	".file", ".text", ".data", ".bss", ".section", ".pushsection",
	".popsection", ".previous", ".align", ".p2align", ".balign", ".globl",
	".local", ".weak", ".type", ".size", ".comm", ".set", ".equ", ".ident",
	".string", ".ascii", ".asciz", ".byte", ".word", ".value", ".short",
	".long", ".quad", ".zero", ".org", ".skip", NULL
};

struct pstate {
	int cur, prev;		/* current and previous section */
	int stack[16], sp;	/* .pushsection stack */
	bool app, c_comment;
	int pushdepth;
};

static int do_section(struct program *p, struct pstate *ps, const char *d,
		      char *args)
{
	char name[128];

	sscanf(args, " %127[^ ,\t]", name);
	if (!strcmp(d, ".text") || !strcmp(d, ".data") || !strcmp(d, ".bss")) {
		ps->prev = ps->cur;
		ps->cur = section_index(p, d);
	} else if (!strcmp(d, ".section")) {
		ps->prev = ps->cur;
		ps->cur = section_index(p, name);
	} else if (!strcmp(d, ".pushsection")) {
		if (ps->sp == 16)
			return -1;
		ps->stack[ps->sp++] = ps->cur;
		ps->cur = section_index(p, name);
		ps->pushdepth++;
	} else if (!strcmp(d, ".popsection")) {
		if (!ps->sp)
			return -1;
		ps->cur = ps->stack[--ps->sp];
		ps->pushdepth--;
	} else if (!strcmp(d, ".previous")) {
		int t = ps->cur;

		ps->cur = ps->prev;
		ps->prev = t;
	}
	return 0;
}

static int parse_stmt(struct program *p, struct pstate *ps, char *s, int line,
		      char *prefix)
{
	struct stmt *st;
	char *sp, *ops[MAX_OPS + 1];
	int n, i, opsize;

	for (;;) {		/* leading labels: "1:", "foo:", ".L5:" */
		char *c = s;

		while (*c && (isalnum((unsigned char)*c) || *c == '_' ||
			      *c == '.' || *c == '$'))
			c++;
		if (c == s || *c != ':')
			break;
		*c = 0;
		st = new_stmt(p, ST_LABEL, line);
		snprintf(st->name, sizeof(st->name), "%s", s);
		st->section = ps->cur;
		st->in_app = ps->app;
		st->pushdepth = ps->pushdepth;
		s = trim(c + 1);
	}
	if (!*s)
		return 0;
	sp = s;
	while (*sp && !isspace((unsigned char)*sp))
		sp++;
	if (*sp)
		*sp++ = 0;
	sp = trim(sp);
	if (s[0] == '.') {
		for (i = 0; known_dirs[i]; i++)
			if (!strcmp(known_dirs[i], s))
				break;
		if (!known_dirs[i]) {
			err_at(p->path, line, "unknown directive '%s'", s);
			return -1;
		}
		st = new_stmt(p, ST_DIR, line);
		snprintf(st->name, sizeof(st->name), "%s", s);
		st->args = strdup(sp);	/* no limit: a cut .byte list loses data */
		st->section = ps->cur;
		st->in_app = ps->app;
		st->pushdepth = ps->pushdepth;
		if (do_section(p, ps, s, sp)) {
			err_at(p->path, line, "unbalanced section stack at '%s'", s);
			return -1;
		}
		/* a directive inside pushsection is attributed to the inner section */
		if (!strcmp(s, ".pushsection")) {
			st->section = ps->cur;
			st->pushdepth = ps->pushdepth;
		}
		return 0;
	}
	if (!strcmp(s, "lock") || !strcmp(s, "rep") || !strcmp(s, "repe") ||
	    !strcmp(s, "repz") || !strcmp(s, "repne") || !strcmp(s, "repnz")) {
		if (*prefix) {
			err_at(p->path, line, "two prefixes on one instruction");
			return -1;
		}
		strcpy(prefix, s);
		if (*sp)
			return parse_stmt(p, ps, sp, line, prefix);
		return 0;
	}
	st = new_stmt(p, ST_INSN, line);
	snprintf(st->name, sizeof(st->name), "%s", s);
	snprintf(st->prefix, sizeof(st->prefix), "%s", prefix);
	*prefix = 0;
	st->section = ps->cur;
	st->in_app = ps->app;
	st->pushdepth = ps->pushdepth;
	st->isa = isa_lookup(s, &opsize);
	if (!st->isa) {
		err_at(p->path, line, "unknown instruction '%s'", s);
		return -1;
	}
	n = split_ops(sp, ops, MAX_OPS + 1);
	if (n < 0 || n > MAX_OPS) {
		err_at(p->path, line, "too many operands for '%s'", s);
		return -1;
	}
	st->nops = n;
	for (i = 0; i < n; i++) {
		if (parse_operand(ops[i], &st->op[i])) {
			err_at(p->path, line, "cannot parse operand '%s' of '%s'",
			       ops[i], s);
			return -1;
		}
	}
	/* "movq %rdi, jiffies", "incq 0x2000": an operand with no register
	 * outside a branch is an absolute memory operand, not a symbol */
	if (!(st->isa->flags & (I_JMP | I_JCC | I_CALL)))
		for (i = 0; i < n; i++) {
			struct operand *o = &st->op[i];

			if (o->kind != OP_SYM)
				continue;
			if (o->star || strlen(o->text) >= sizeof(o->disp)) {
				err_at(p->path, line, "cannot parse operand '%s' of '%s'",
				       ops[i], s);
				return -1;
			}
			o->kind = OP_MEM;
			snprintf(o->disp, sizeof(o->disp), "%s", o->text);
			o->base = o->index = -1;
			o->scale = 1;
		}
	/* "shldq %r9, %rax" shifts by %cl: say so, or the liveness walks
	 * would not see the read of %rcx (and a probe could pick it) */
	if ((!strncmp(s, "shld", 4) || !strncmp(s, "shrd", 4)) && n == 2) {
		st->op[2] = st->op[1];
		st->op[1] = st->op[0];
		parse_operand("%cl", &st->op[0]);
		st->nops = n = 3;
	}
	/* movsb/movsw/movsl name both a sign extension (register or one
	 * memory source, register destination) and a string copy (no
	 * operands, or memory to memory): only the first is movsx */
	if (!strncmp(s, "movs", 4) && strcmp(s, "movsq") &&
	    (n == 0 || (n == 2 && st->op[0].kind == OP_MEM && st->op[1].kind == OP_MEM))) {
		err_at(p->path, line, "string instruction '%s' (only rep movsq and "
		       "rep stosq go through SVM)", s);
		return -1;
	}
	return 0;
}

static int split_statements(struct program *p, struct pstate *ps, char *s,
			    int line)
{
	char prefix[16] = "";
	char *start = s;
	bool quote = false;

	for (; ; s++) {
		if (*s == '"' && (s == start || s[-1] != '\\'))
			quote = !quote;
		if ((*s == ';' && !quote) || !*s) {
			bool end = !*s;

			*s = 0;
			if (parse_stmt(p, ps, trim(start), line, prefix))
				return -1;
			if (end)
				break;
			start = s + 1;
		}
	}
	if (*prefix) {		/* "lock;" on its own line applies to the next one */
		err_at(p->path, line, "prefix '%s' without an instruction", prefix);
		return -1;
	}
	return 0;
}

static int resolve_aliases(struct program *p);

int asm_parse(struct program *p, const char *path)
{
	struct pstate ps = { 0 };
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	int no = 0, i;

	p->path = path;
	if (!f) {
		err_at(path, 0, "cannot open: %m");
		return -1;
	}
	ps.cur = ps.prev = section_index(p, ".text");
	while (getline(&line, &cap, f) > 0) {
		char *s;
		bool app_marker;

		no++;
		s = trim(line);
		app_marker = !strcmp(s, "#APP");
		if (app_marker)
			ps.app = true;
		if (!strcmp(s, "#NO_APP"))
			ps.app = false;
		strip_comments(s, &ps.c_comment);
		if (split_statements(p, &ps, trim(s), no))
			goto fail;
	}
	p->nlines = no;
	free(line);
	fclose(f);
	if (ps.sp) {
		err_at(path, no, "unterminated .pushsection");
		return -1;
	}
	/* Function regions: ".type f, @function" ... "f:" ... ".size f, .-f" */
	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];
		char name[128];

		if (s->kind == ST_DIR && !strcmp(s->name, ".type") &&
		    strstr(s->args, "@function")) {
			struct func *f;

			sscanf(s->args, " %127[^ ,]", name);
			p->fn = realloc(p->fn, (p->nfn + 1) * sizeof(*p->fn));
			f = &p->fn[p->nfn++];
			memset(f, 0, sizeof(*f));
			snprintf(f->name, sizeof(f->name), "%s", name);
			f->first = i;
			f->last = -1;
			f->parent = -1;
		}
		if (s->kind == ST_DIR && !strcmp(s->name, ".size")) {
			int k;

			sscanf(s->args, " %127[^ ,]", name);
			for (k = p->nfn - 1; k >= 0; k--)
				if (!strcmp(name, p->fn[k].name) && p->fn[k].last < 0)
					p->fn[k].last = i;
		}
	}
	for (i = 0; i < p->nfn; i++) {
		struct func *f = &p->fn[i];
		char *dot;
		int j;

		if (f->last < 0) {
			err_at(path, p->st[f->first].line,
			       "function %s has no .size", f->name);
			return -1;
		}
		for (j = f->first; j <= f->last; j++)
			p->st[j].func = i;
		dot = strstr(f->name, ".cold");
		if (dot) {
			char base[128];

			snprintf(base, sizeof(base), "%.*s",
				 (int)(dot - f->name), f->name);
			f->parent = find_func(p, base);
		}
	}
	return resolve_aliases(p);
fail:
	free(line);
	fclose(f);
	return -1;
}

/* "A, B" of ".set A, B" when B is a plain symbol: A's name into a, B's into b */
bool alias_args(const char *args, char *a, char *b, size_t n)
{
	char fa[128], fb[128], end[2];

	if (sscanf(args, " %127[A-Za-z0-9_.$] , %127[A-Za-z0-9_.$] %1s", fa, fb, end) != 2 ||
	    isdigit((unsigned char)fa[0]) || isdigit((unsigned char)fb[0]) ||
	    strlen(fa) >= n || strlen(fb) >= n)
		return false;
	strcpy(a, fa);
	strcpy(b, fb);
	return true;
}

/*
 * GCC defines an alias as ".set A, B" (or ".equ"), and may call A: the
 * closure, the rewrite and the verifiers know B.  Every operand naming A
 * (alone or as "A+off") is made to name what A finally aliases, when that
 * is a label of this file; the directive itself stays, for whoever else
 * links against A.
 */
static int resolve_aliases(struct program *p)
{
	int i, k, n = 0, depth;
	struct { char a[128], b[128]; } *al = NULL;

	for (i = 0; i < p->nst; i++) {
		struct stmt *s = &p->st[i];

		if (s->kind != ST_DIR || (strcmp(s->name, ".set") && strcmp(s->name, ".equ")))
			continue;
		al = realloc(al, (n + 1) * sizeof(*al));
		if (!alias_args(s->args, al[n].a, al[n].b, sizeof(al[n].a)))
			continue;
		n++;
	}
	for (k = 0; k < n; k++)		/* follow chains: A -> B -> C */
		for (depth = 0; depth < 8; depth++) {
			int j;

			for (j = 0; j < n && strcmp(al[j].a, al[k].b); j++)
				;
			if (j == n)
				break;
			strcpy(al[k].b, al[j].b);
		}
	for (i = 0; n && i < p->nst; i++) {
		struct stmt *s = &p->st[i];

		if (s->kind != ST_INSN)
			continue;
		for (k = 0; k < s->nops; k++) {
			struct operand *o = &s->op[k];
			char *e = o->kind == OP_MEM ? o->disp : o->text;
			size_t cap = o->kind == OP_MEM ? sizeof(o->disp) : sizeof(o->text);
			char tail[160];
			size_t l;
			int j;

			for (j = 0; j < n; j++) {
				l = strlen(al[j].a);
				if (!strncmp(e, al[j].a, l) && (!e[l] || e[l] == '+' || e[l] == '-') &&
				    label_stmt(p, al[j].b) >= 0)
					break;
			}
			if (j == n)
				continue;
			snprintf(tail, sizeof(tail), "%s", e + l);
			if (strlen(al[j].b) + strlen(tail) >= cap) {
				err_at(p->path, s->line, "alias %s: operand too long", al[j].a);
				free(al);
				return -1;
			}
			snprintf(e, cap, "%s%s", al[j].b, tail);
			if (o->kind == OP_SYM)
				snprintf(o->disp, sizeof(o->disp), "%s", o->text);
		}
	}
	free(al);
	return 0;
}

int find_func(struct program *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfn; i++)
		if (!strcmp(p->fn[i].name, name))
			return i;
	return -1;
}
