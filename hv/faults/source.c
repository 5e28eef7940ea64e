// SPDX-License-Identifier: GPL-2.0
/*
 * twinmut's view of a C source: the text, a mask of it where comments,
 * literals and preprocessor lines are blanks (so a '{' in a string or a
 * "next_to_use" in a comment is never a site), the function definitions
 * and the statements of a body.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twinmut.h"

void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("twinmut: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(EXIT_ERR, "out of memory");
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		die(EXIT_ERR, "out of memory");
	va_end(ap);
	return p;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		die(EXIT_ERR, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die(EXIT_ERR, "%s: cannot read", path);
	buf = xmalloc(n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		die(EXIT_ERR, "%s: cannot read", path);
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		die(EXIT_ERR, "%s: not a text file", path);
	*len = n;
	return buf;
}

bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum mstate { M_CODE, M_LINE, M_BLOCK, M_STR, M_CHR, M_PP };

/* One character of the masking automaton; returns how many it consumed. */
static size_t mask_step(const char *t, char *m, size_t i, enum mstate *st, bool bol)
{
	char c = t[i];

	switch (*st) {
	case M_CODE:
		if (c == '/' && t[i + 1] == '/')
			*st = M_LINE;
		else if (c == '/' && t[i + 1] == '*') {
			*st = M_BLOCK;
			m[i] = m[i + 1] = ' ';
			return 2;
		} else if (c == '"')
			*st = M_STR;
		else if (c == '\'')
			*st = M_CHR;
		else if (c == '#' && bol)
			*st = M_PP;
		else
			return 1;
		m[i] = ' ';
		return 1;
	case M_LINE:
	case M_PP:
		if (c == '\n') {
			*st = M_CODE;
			return 1;
		}
		m[i] = ' ';
		/* a continued macro line stays masked */
		if (c == '\\' && t[i + 1] == '\n')
			return 2;
		return 1;
	case M_BLOCK:
		if (c == '*' && t[i + 1] == '/') {
			m[i] = m[i + 1] = ' ';
			*st = M_CODE;
			return 2;
		}
		break;
	case M_STR:
	case M_CHR:
		if (c == '\\' && t[i + 1]) {
			m[i] = ' ';
			if (t[i + 1] != '\n')
				m[i + 1] = ' ';
			return 2;
		}
		if (c == (*st == M_STR ? '"' : '\''))
			*st = M_CODE;
		break;
	}
	if (c != '\n')
		m[i] = ' ';
	return 1;
}

static void mask(const char *t, char *m, size_t n)
{
	enum mstate st = M_CODE;
	bool bol = true;	/* only blanks since the line began */
	size_t i = 0, step, k;

	memcpy(m, t, n + 1);
	while (i < n) {
		step = mask_step(t, m, i, &st, bol);
		for (k = i; k < i + step && k < n; k++)
			bol = t[k] == '\n' || (bol && (t[k] == ' ' || t[k] == '\t'));
		i += step;
	}
}

void src_load(struct src *s, const char *path)
{
	s->path = path;
	s->text = read_file(path, &s->len);
	s->mask = xmalloc(s->len + 2);
	s->mask[s->len + 1] = '\0';
	mask(s->text, s->mask, s->len);
}

size_t skip_blanks(const char *m, size_t i, size_t end)
{
	while (i < end && is_blank(m[i]))
		i++;
	return i;
}

/* The offset of the last non-blank character before i, at or after lo. */
size_t prev_nonblank(const char *m, size_t i, size_t lo)
{
	while (i > lo) {
		i--;
		if (!is_blank(m[i]))
			return i;
	}
	return NONE;
}

/* The bracket closing the one at open, or NONE before end. */
size_t match_close(const char *m, size_t open, size_t end)
{
	char o = m[open], c = o == '(' ? ')' : o == '[' ? ']' : '}';
	int depth = 0;
	size_t i;

	for (i = open; i < end; i++) {
		if (m[i] == o)
			depth++;
		else if (m[i] == c && --depth == 0)
			return i;
	}
	return NONE;
}

/* The opening bracket of the one closing at close, or NONE. */
static size_t match_open(const char *m, size_t close)
{
	char c = m[close], o = c == ')' ? '(' : c == ']' ? '[' : '{';
	int depth = 0;
	size_t i = close + 1;

	while (i-- > 0) {
		if (m[i] == c)
			depth++;
		else if (m[i] == o && --depth == 0)
			return i;
	}
	return NONE;
}

int src_line(const struct src *s, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off && i < s->len; i++)
		line += s->text[i] == '\n';
	return line;
}

size_t ident_end(const char *m, size_t i, size_t end)
{
	while (i < end && is_ident(m[i]))
		i++;
	return i;
}

/* Is the word w at i, as a whole token? */
bool word_at(const char *m, size_t i, size_t end, const char *w)
{
	size_t n = strlen(w);

	if (i + n > end || strncmp(m + i, w, n))
		return false;
	if (i > 0 && is_ident(m[i - 1]))
		return false;
	return i + n == end || !is_ident(m[i + n]);
}

static const char *const keywords[] = {
	"if", "while", "for", "switch", "return", "sizeof", "do", "else",
	"case", "default", "goto", "break", "continue", NULL,
};

static bool keyword(const char *m, size_t i, size_t end)
{
	int k;

	for (k = 0; keywords[k]; k++)
		if (word_at(m, i, end, keywords[k]))
			return true;
	return false;
}

/*
 * A definition is a '{' at file level right after a parameter list's ')'
 * and the identifier before that list is its name.  Everything else at
 * file level (struct bodies, initializers) is skipped whole.
 */
static bool func_at(const struct src *s, size_t brace, struct func *f)
{
	const char *m = s->mask;
	size_t close = prev_nonblank(m, brace, 0), open, name_end, name;

	if (close == NONE || m[close] != ')')
		return false;
	open = match_open(m, close);
	if (open == NONE)
		return false;
	name_end = prev_nonblank(m, open, 0);
	if (name_end == NONE || !is_ident(m[name_end]))
		return false;
	name = name_end;
	while (name > 0 && is_ident(m[name - 1]))
		name--;
	if (keyword(m, name, name_end + 1) || name_end + 1 - name >= sizeof(f->name))
		return false;
	memcpy(f->name, m + name, name_end + 1 - name);
	f->name[name_end + 1 - name] = '\0';
	f->params = open;
	f->params_end = close;
	f->body = brace;
	return true;
}

int src_funcs(const struct src *s, struct func **out)
{
	struct func *fs = NULL, f;
	size_t i, end;
	int n = 0;

	for (i = 0; i < s->len; i++) {
		if (s->mask[i] != '{')
			continue;
		end = match_close(s->mask, i, s->len);
		if (end == NONE)
			die(EXIT_ERR, "%s:%d: unbalanced '{'", s->path, src_line(s, i));
		if (func_at(s, i, &f)) {
			f.end = end;
			fs = realloc(fs, (n + 1) * sizeof(*fs));
			if (!fs)
				die(EXIT_ERR, "out of memory");
			fs[n++] = f;
		}
		i = end;
	}
	*out = fs;
	return n;
}

const struct func *src_func(const struct src *s, const struct func *fs, int n,
			    const char *name)
{
	const struct func *found = NULL;
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(fs[i].name, name))
			continue;
		if (found)
			die(EXIT_ERR, "%s: function %s is defined twice (lines %d and %d)",
			    s->path, name, src_line(s, found->body), src_line(s, fs[i].body));
		found = &fs[i];
	}
	return found;
}

/*
 * The statements of a body, in order, nested blocks included.  A '{'
 * after '=' (an initializer) or inside parentheses is not a block.  A ':'
 * ends a label unless a '?' of the same statement is waiting for it.
 */
struct scan {
	struct stmt *v;
	int n;
	size_t start;		/* of the statement being read, or NONE */
	int paren, quest, sp;
	char kind[64];		/* brace stack: 'b' block, 'i' initializer */
	size_t close[64];	/* where each block ends */
};

static void add_stmt(struct scan *sc, size_t end, enum stmt_form form)
{
	struct stmt *st;

	sc->v = realloc(sc->v, (sc->n + 1) * sizeof(*sc->v));
	if (!sc->v)
		die(EXIT_ERR, "out of memory");
	st = &sc->v[sc->n++];
	st->start = sc->start;
	st->end = end;
	st->scope_end = sc->close[sc->sp - 1];
	st->form = form;
	sc->start = NONE;
}

static void scan_brace(const struct src *s, struct scan *sc, size_t i, size_t lo)
{
	const char *m = s->mask;
	size_t p = prev_nonblank(m, i, lo);

	if (sc->sp >= 63)
		die(EXIT_ERR, "%s:%d: blocks nested too deep", s->path, src_line(s, i));
	if (sc->paren > 0 || (p != NONE && (m[p] == '=' || m[p] == ','))) {
		sc->kind[sc->sp++] = 'i';
		sc->paren++;
		return;
	}
	if (sc->start != NONE && sc->start < i)
		add_stmt(sc, i, ST_HEAD);
	sc->kind[sc->sp] = 'b';
	sc->close[sc->sp++] = match_close(m, i, s->len);
	sc->start = NONE;
}

static void scan_char(const struct src *s, struct scan *sc, size_t i, size_t lo)
{
	switch (s->mask[i]) {
	case '(': case '[':
		sc->paren++;
		break;
	case ')': case ']':
		sc->paren--;
		break;
	case '{':
		scan_brace(s, sc, i, lo);
		break;
	case '}':
		if (sc->sp > 1 && sc->kind[--sc->sp] == 'i')
			sc->paren--;
		else
			sc->start = NONE;
		break;
	case ';':
		if (sc->paren == 0)
			add_stmt(sc, i + 1, ST_SIMPLE);
		break;
	case '?':
		sc->quest += sc->paren == 0;
		break;
	case ':':
		if (sc->paren == 0 && sc->quest)
			sc->quest--;
		else if (sc->paren == 0)
			add_stmt(sc, i + 1, ST_LABEL);
		break;
	}
}

int src_stmts(const struct src *s, const struct func *f, struct stmt **out)
{
	struct scan sc = { .start = NONE, .sp = 1 };
	size_t i;

	sc.kind[0] = 'b';
	sc.close[0] = f->end;
	for (i = f->body + 1; i < f->end; i++) {
		if (is_blank(s->mask[i]))
			continue;
		if (sc.start == NONE) {
			sc.start = i;
			sc.quest = 0;
		}
		scan_char(s, &sc, i, f->body);
	}
	*out = sc.v;
	return sc.n;
}
