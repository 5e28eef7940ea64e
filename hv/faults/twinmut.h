/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twinmut: software-implemented fault injection into a C source (e1000's
 * fast path).  One mutation is one edit of the original text: a span
 * replaced by other text.  Sites are found on the text, not on a parse:
 * kernel style is regular enough, and a mutant that does not compile is
 * counted by the builder (hv/faults/mutant.sh) rather than prevented here.
 */
#ifndef TWINMUT_H
#define TWINMUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NONE	((size_t)-1)

/* exit statuses */
#define EXIT_ERR	1	/* bad input, a drifted library entry */
#define EXIT_USAGE	2
#define EXIT_NO_SITE	3	/* random mode: nothing of those kinds there */

struct src {
	const char *path;
	char *text;		/* the file as read, NUL-terminated */
	char *mask;		/* the same with comments, string and character
				 * literals and preprocessor lines blanked
				 * (newlines kept), so offsets agree */
	size_t len;
};

/* A function definition: parameters in (params, params_end), body in
 * (body, end), both exclusive of their delimiters. */
struct func {
	char name[128];
	size_t params, params_end;
	size_t body, end;
};

enum stmt_form {
	ST_SIMPLE,		/* up to its ';' (a braceless if/for/while included) */
	ST_HEAD,		/* the head of a block: "if (x)", "else", "do" */
	ST_LABEL,		/* "case X:", "label:" */
};

struct stmt {
	size_t start, end;	/* [start, end) */
	size_t scope_end;	/* the '}' of the block it is in */
	enum stmt_form form;
};

struct mutation {
	char id[160];
	const char *mode;	/* "named" or "random" */
	const char *kind;
	const char *function;
	size_t start, end;	/* the span of the original replaced */
	char *after;		/* its replacement */
	const char *models;	/* the bug, one line */
	const char *expect;	/* what Xen and SVM should do about it */
	bool random;
	uint64_t seed;
	int attempt;
};

/* source.c */
void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void *xmalloc(size_t n);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *read_file(const char *path, size_t *len);
void src_load(struct src *s, const char *path);
bool is_ident(int c);
bool is_blank(int c);
size_t skip_blanks(const char *m, size_t i, size_t end);
size_t prev_nonblank(const char *m, size_t i, size_t lo);
size_t match_close(const char *m, size_t open, size_t end);
int src_line(const struct src *s, size_t off);
int src_funcs(const struct src *s, struct func **out);
const struct func *src_func(const struct src *s, const struct func *fs, int n,
			    const char *name);
int src_stmts(const struct src *s, const struct func *f, struct stmt **out);
bool word_at(const char *m, size_t i, size_t end, const char *w);
size_t ident_end(const char *m, size_t i, size_t end);

/* library.c */
void library_list(const char *path);
void library_show(const char *path, const char *name);
void library_apply(const char *path, const char *name, const struct src *s,
		   struct mutation *mu);

/* sites.c */
bool kind_known(const char *kind);
const char *kind_names(void);
void random_sites(const struct src *s, const char *functions, const char *kinds);
int random_apply(const struct src *s, const char *functions, const char *kinds,
		 uint64_t seed, int attempt, struct mutation *mu);

#endif
