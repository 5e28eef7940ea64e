// SPDX-License-Identifier: GPL-2.0
/*
 * The named mutations: a library file of entries (format at the top of
 * hv/faults/e1000.mutations), each one find-and-replace inside one
 * function's body.  The find text must occur exactly once there, so a
 * pinned source that drifts makes the entry fail loudly instead of
 * mutating something else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twinmut.h"

struct entry {
	int line;		/* of its "[name]" */
	char *name, *kind, *function, *models, *expect, *find, *replace;
};

struct library {
	const char *path;
	struct entry *v;
	int n;
};

static char *trim(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		*--e = '\0';
	return s;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_ident(*s) && *s != '-' && *s != '.')
			return false;
	return true;
}

/* The field of e a key names, or NULL for an unknown key. */
static char **field(struct entry *e, const char *key)
{
	static const char *const keys[] = {
		"kind", "function", "models", "expect", "find", "replace", NULL,
	};
	char **fields[] = {
		&e->kind, &e->function, &e->models, &e->expect, &e->find, &e->replace,
	};
	int k;

	for (k = 0; keys[k]; k++)
		if (!strcmp(key, keys[k]))
			return fields[k];
	return NULL;
}

static void check_entry(const struct library *lib, const struct entry *e)
{
	const char *missing = !e->kind ? "kind" : !e->function ? "function" :
		!e->models ? "models" : !e->find ? "find" : !e->replace ? "replace" : NULL;

	if (missing)
		die(EXIT_ERR, "%s:%d: mutation %s has no '%s:' line", lib->path, e->line,
		    e->name, missing);
	if (!kind_known(e->kind))
		die(EXIT_ERR, "%s:%d: mutation %s: unknown kind '%s' (kinds: %s)", lib->path,
		    e->line, e->name, e->kind, kind_names());
	if (!*e->find)
		die(EXIT_ERR, "%s:%d: mutation %s: empty 'find:'", lib->path, e->line, e->name);
}

static struct entry *new_entry(struct library *lib, char *name, int line)
{
	struct entry *e;
	int i;

	if (!name_ok(name))
		die(EXIT_ERR, "%s:%d: bad mutation name '[%s]'", lib->path, line, name);
	for (i = 0; i < lib->n; i++)
		if (!strcmp(lib->v[i].name, name))
			die(EXIT_ERR, "%s:%d: mutation %s already defined at line %d",
			    lib->path, line, name, lib->v[i].line);
	lib->v = realloc(lib->v, (lib->n + 1) * sizeof(*lib->v));
	if (!lib->v)
		die(EXIT_ERR, "out of memory");
	e = &lib->v[lib->n++];
	memset(e, 0, sizeof(*e));
	e->line = line;
	e->name = strdup(name);
	return e;
}

static void parse_line(struct library *lib, char *l, int line, struct entry **cur)
{
	char *colon, **f;
	size_t n = strlen(l);

	if (l[0] == '[' && n > 1 && l[n - 1] == ']') {
		l[n - 1] = '\0';
		*cur = new_entry(lib, l + 1, line);
		return;
	}
	colon = strchr(l, ':');
	if (!colon)
		die(EXIT_ERR, "%s:%d: expected '[name]' or 'key: value'", lib->path, line);
	*colon = '\0';
	if (!*cur)
		die(EXIT_ERR, "%s:%d: '%s:' before the first '[name]'", lib->path, line, trim(l));
	f = field(*cur, trim(l));
	if (!f)
		die(EXIT_ERR, "%s:%d: unknown key '%s' (kind, function, models, expect, find, replace)",
		    lib->path, line, trim(l));
	if (*f)
		die(EXIT_ERR, "%s:%d: mutation %s: '%s:' given twice", lib->path, line,
		    (*cur)->name, trim(l));
	*f = strdup(trim(colon + 1));
}

static void library_load(struct library *lib, const char *path)
{
	size_t len;
	char *text = read_file(path, &len), *l, *next;
	struct entry *cur = NULL;
	int line = 0, i;

	lib->path = path;
	for (l = text; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		line++;
		l = trim(l);
		if (*l && *l != '#')
			parse_line(lib, l, line, &cur);
	}
	if (!lib->n)
		die(EXIT_ERR, "%s: no mutations", path);
	for (i = 0; i < lib->n; i++)
		check_entry(lib, &lib->v[i]);
}

static struct entry *library_entry(struct library *lib, const char *name)
{
	int i;

	for (i = 0; i < lib->n; i++)
		if (!strcmp(lib->v[i].name, name))
			return &lib->v[i];
	die(EXIT_ERR, "%s: no mutation named '%s' (twinmut --library %s --list)",
	    lib->path, name, lib->path);
}

void library_list(const char *path)
{
	struct library lib = { 0 };
	int i;

	library_load(&lib, path);
	for (i = 0; i < lib.n; i++)
		printf("%s %s %s\n", lib.v[i].name, lib.v[i].kind, lib.v[i].function);
}

/* The entry as the library normalizes it: what a mutant was built from. */
void library_show(const char *path, const char *name)
{
	struct library lib = { 0 };
	struct entry *e;

	library_load(&lib, path);
	e = library_entry(&lib, name);
	printf("[%s]\nkind: %s\nfunction: %s\nmodels: %s\nexpect: %s\nfind: %s\nreplace: %s\n",
	       e->name, e->kind, e->function, e->models, e->expect ? e->expect : "",
	       e->find, e->replace);
}

/*
 * Where find matches the text at i: a run of blanks in find matches a run
 * of one or more blanks in the text, anything else matches itself.  The
 * end of the match, or NONE.
 */
static size_t match_at(const char *t, size_t i, size_t end, const char *find)
{
	const char *f = find;

	while (*f) {
		if (is_blank(*f)) {
			if (i >= end || !is_blank(t[i]))
				return NONE;
			i = skip_blanks(t, i, end);
			while (is_blank(*f))
				f++;
			continue;
		}
		if (i >= end || t[i] != *f)
			return NONE;
		i++;
		f++;
	}
	/* whole tokens: "i = 0;" is not found inside "xi = 0;" */
	if (is_ident(find[strlen(find) - 1]) && i < end && is_ident(t[i]))
		return NONE;
	return i;
}

static int find_in(const char *t, size_t lo, size_t hi, const char *find,
		   size_t *start, size_t *end)
{
	size_t i, e;
	int n = 0;

	for (i = lo; i < hi; i++) {
		if (is_ident(find[0]) && i > lo && is_ident(t[i - 1]))
			continue;
		e = match_at(t, i, hi, find);
		if (e == NONE)
			continue;
		if (!n) {
			*start = i;
			*end = e;
		}
		n++;
	}
	return n;
}

void library_apply(const char *path, const char *name, const struct src *s,
		   struct mutation *mu)
{
	struct library lib = { 0 };
	const struct func *f;
	struct func *fs;
	struct entry *e;
	int nf, n;

	library_load(&lib, path);
	e = library_entry(&lib, name);
	nf = src_funcs(s, &fs);
	f = src_func(s, fs, nf, e->function);
	if (!f)
		die(EXIT_ERR, "mutation %s: function %s is not defined in %s", e->name,
		    e->function, s->path);
	n = find_in(s->text, f->body + 1, f->end, e->find, &mu->start, &mu->end);
	if (n != 1)
		die(EXIT_ERR, "mutation %s: its find text occurs %d times in %s (%s:%d), not once",
		    e->name, n, e->function, s->path, src_line(s, f->body));
	if (strlen(e->replace) == mu->end - mu->start &&
	    !memcmp(e->replace, s->text + mu->start, mu->end - mu->start))
		die(EXIT_ERR, "mutation %s: its replacement changes nothing", e->name);
	snprintf(mu->id, sizeof(mu->id), "%s", e->name);
	mu->mode = "named";
	mu->kind = e->kind;
	mu->function = e->function;
	mu->after = e->replace;
	mu->models = e->models;
	mu->expect = e->expect ? e->expect : "";
}
