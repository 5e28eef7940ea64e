// SPDX-License-Identifier: GPL-2.0
/*
 * Random mutations: the candidate sites of each kind in the bodies of the
 * listed functions, and a seeded choice among them.  Sites are found on
 * the masked text (comments and literals blanked) statement by statement;
 * each kind says what it looks for and how it rewrites the site.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twinmut.h"

/* A pointer variable (a parameter or a local) and where it is in scope. */
struct ptr {
	char name[64];
	size_t from, to;
};

struct site {
	int kind;
	const struct func *fn;
	size_t start, end;	/* the span replaced */
	size_t a, b;		/* the kind's detail: an operator, a condition, a RHS */
	char var[64];		/* the pointer (wild, null), the freed object (use after free) */
};

struct ctx {
	const struct src *s;
	const char *m;		/* s->mask */
	const struct func *f;
	struct stmt *st;
	int nst;
	struct ptr *ptrs;
	int nptr;
	struct site *sites;
	int nsites;
	int kind;		/* the kind being searched */
};

struct kind {
	const char *name;
	void (*find)(struct ctx *c);
	char *(*edit)(const struct ctx *c, const struct site *si, uint64_t r, char **models);
	const char *expect;
};

/* splitmix64 (Steele, Lea, Flood 2014): small, seedable, the same everywhere */
static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void add_site(struct ctx *c, size_t start, size_t end, size_t a, size_t b,
		     const char *var)
{
	struct site *si;

	c->sites = realloc(c->sites, (c->nsites + 1) * sizeof(*c->sites));
	if (!c->sites)
		die(EXIT_ERR, "out of memory");
	si = &c->sites[c->nsites++];
	si->kind = c->kind;
	si->fn = c->f;
	si->start = start;
	si->end = end;
	si->a = a;
	si->b = b;
	snprintf(si->var, sizeof(si->var), "%s", var ? var : "");
}

static char *text(const struct ctx *c, size_t from, size_t to)
{
	return xstrndup(c->s->text + from, to - from);
}

static char *trimmed(const struct ctx *c, size_t from, size_t to)
{
	from = skip_blanks(c->m, from, to);
	while (to > from && is_blank(c->m[to - 1]))
		to--;
	return text(c, from, to);
}

static size_t eol(const struct ctx *c, size_t i)
{
	const char *nl = strchr(c->s->text + i, '\n');

	return nl ? (size_t)(nl - c->s->text) : c->s->len;
}

/* --- statements ------------------------------------------------------ */

static bool starts_with_keyword(const struct ctx *c, const struct stmt *st,
				const char *const *words)
{
	for (; *words; words++)
		if (word_at(c->m, st->start, st->end, *words))
			return true;
	return false;
}

static const char *const control[] = {
	"if", "while", "for", "switch", "return", "do", "else", "case", "default",
	"goto", "break", "continue", "sizeof", NULL,
};

/* "} while (x);" of a do loop: nothing may be put before it */
static bool do_while_tail(const struct ctx *c, const struct stmt *st)
{
	size_t open, close;

	if (!word_at(c->m, st->start, st->end, "while"))
		return false;
	open = skip_blanks(c->m, st->start + 5, st->end);
	if (c->m[open] != '(')
		return false;
	close = match_close(c->m, open, st->end);
	return close != NONE && c->m[skip_blanks(c->m, close + 1, st->end)] == ';';
}

/* May a statement be put right before this one? */
static bool insertable(const struct ctx *c, const struct stmt *st)
{
	static const char *const never[] = { "else", "case", "default", "do", NULL };

	return st->form != ST_LABEL && !starts_with_keyword(c, st, never) &&
	       !do_while_tail(c, st);
}

/* A plain statement: neither control flow nor a label. */
static bool plain(const struct ctx *c, const struct stmt *st)
{
	return st->form == ST_SIMPLE && !starts_with_keyword(c, st, control);
}

/* How ch changes the bracket depth: all of (), [] and {} count. */
static int depth_delta(char ch)
{
	return (ch == '(' || ch == '[' || ch == '{') - (ch == ')' || ch == ']' || ch == '}');
}

/*
 * The first assignment operator at depth 0 in [from, to): '=' and the
 * compound ones, not '==', '<=', '>=', '!='.  Its start, or NONE; *len
 * is its length.
 */
static size_t assign_op(const char *m, size_t from, size_t to, size_t *len)
{
	int depth = 0;
	size_t i;

	for (i = from; i < to; i++) {
		depth += depth_delta(m[i]);
		if (depth || m[i] != '=' || m[i + 1] == '=' || (i > from && m[i - 1] == '='))
			continue;
		if (i > from && strchr("+-*/%&|^", m[i - 1])) {
			*len = 2;
			return i - 1;
		}
		if (i > from + 1 && (m[i - 1] == '<' || m[i - 1] == '>')) {
			if (m[i - 2] != m[i - 1])
				continue;	/* a comparison */
			*len = 3;
			return i - 2;
		}
		if (i > from && (m[i - 1] == '!' || m[i - 1] == '<' || m[i - 1] == '>'))
			continue;
		*len = 1;
		return i;
	}
	return NONE;
}

/* The first ch at depth 0 in [from, to), or NONE. */
static size_t depth0(const char *m, size_t from, size_t to, char ch)
{
	int depth = 0;
	size_t i;

	for (i = from; i < to; i++) {
		if (!depth && m[i] == ch)
			return i;
		depth += depth_delta(m[i]);
	}
	return NONE;
}

/* The last identifier ending at or before to (blanks skipped): its start. */
static size_t last_ident(const char *m, size_t from, size_t to)
{
	size_t e = prev_nonblank(m, to, from), b;

	if (e == NONE || !is_ident(m[e]))
		return NONE;
	b = e;
	while (b > from && is_ident(m[b - 1]))
		b--;
	return b;
}

static bool ident_is(const char *m, size_t at, const char *name)
{
	size_t n = strlen(name);

	return at != NONE && !strncmp(m + at, name, n) && !is_ident(m[at + n]);
}

/*
 * A call statement: "f(...);" or "a->op(...);".  The callee's name (the
 * last identifier before the '(') and the argument list.
 */
static bool call_stmt(const struct ctx *c, const struct stmt *st, size_t *name,
		      size_t *open, size_t *close)
{
	const char *m = c->m;
	size_t i = st->start;

	if (!plain(c, st) || !is_ident(m[i]) || (m[i] >= '0' && m[i] <= '9'))
		return false;
	for (;;) {
		*name = i;
		i = skip_blanks(m, ident_end(m, i, st->end), st->end);
		if (m[i] == '.')
			i = skip_blanks(m, i + 1, st->end);
		else if (m[i] == '-' && m[i + 1] == '>')
			i = skip_blanks(m, i + 2, st->end);
		else
			break;
		if (!is_ident(m[i]))
			return false;
	}
	if (m[i] != '(')
		return false;
	*open = i;
	*close = match_close(m, i, st->end);
	return *close != NONE && skip_blanks(m, *close + 1, st->end) == st->end - 1;
}

static bool callee_in(const char *m, size_t name, const char *const *list)
{
	for (; *list; list++)
		if (ident_is(m, name, *list))
			return true;
	return false;
}

/* --- pointer variables ------------------------------------------------ */

static const char *const type_words[] = {
	"struct", "union", "enum", "const", "static", "unsigned", "signed", "char",
	"short", "int", "long", "bool", "void", "u8", "u16", "u32", "u64", "s8",
	"s16", "s32", "s64", "__le16", "__le32", "__le64", "__be16", "__be32",
	"size_t", "dma_addr_t", NULL,
};

/* "type name ...;" or "type *name ...;": a declaration */
static bool declaration(const struct ctx *c, const struct stmt *st)
{
	const char *m = c->m;
	size_t i;

	if (!plain(c, st) || !is_ident(m[st->start]))
		return false;
	if (starts_with_keyword(c, st, type_words))
		return true;
	i = skip_blanks(m, ident_end(m, st->start, st->end), st->end);
	while (m[i] == '*')
		i = skip_blanks(m, i + 1, st->end);
	if (i == st->start || !is_ident(m[i]) || (m[i] >= '0' && m[i] <= '9'))
		return false;
	i = skip_blanks(m, ident_end(m, i, st->end), st->end);
	return strchr("=;,[", m[i]) != NULL;
}

static void add_ptr(struct ctx *c, size_t name, size_t from, size_t to)
{
	struct ptr *p;
	size_t n = ident_end(c->m, name, to) - name;

	if (n >= sizeof(p->name))
		return;
	c->ptrs = realloc(c->ptrs, (c->nptr + 1) * sizeof(*c->ptrs));
	if (!c->ptrs)
		die(EXIT_ERR, "out of memory");
	p = &c->ptrs[c->nptr++];
	memcpy(p->name, c->m + name, n);
	p->name[n] = '\0';
	p->from = from;
	p->to = to;
}

/* One declarator (or parameter) [a, b): a pointer if '*' is before its name. */
static void declarator(struct ctx *c, size_t a, size_t b, size_t from, size_t to)
{
	const char *m = c->m;
	size_t eq = a, name, star;
	int depth = 0;

	for (; eq < b; eq++) {
		if (!depth && m[eq] == '=')
			break;
		depth += depth_delta(m[eq]);
	}
	if (memchr(m + a, '(', eq - a) || memchr(m + a, '[', eq - a))
		return;		/* function pointers and arrays: not ours */
	name = last_ident(m, a, eq);
	if (name == NONE)
		return;
	star = prev_nonblank(m, name, a);
	if (star != NONE && m[star] == '*')
		add_ptr(c, name, from, to);
}

static void declarators(struct ctx *c, size_t a, size_t b, size_t from, size_t to)
{
	int depth = 0;
	size_t i, piece = a;

	for (i = a; i <= b; i++) {
		if (i == b || (!depth && c->m[i] == ',')) {
			declarator(c, piece, i, from, to);
			piece = i + 1;
			continue;
		}
		depth += depth_delta(c->m[i]);
	}
}

static void collect_ptrs(struct ctx *c)
{
	int k;

	c->nptr = 0;
	declarators(c, c->f->params + 1, c->f->params_end, c->f->body, c->f->end);
	for (k = 0; k < c->nst; k++) {
		struct stmt *st = &c->st[k];

		if (declaration(c, st))
			declarators(c, st->start, st->end - 1, st->end, st->scope_end);
	}
}

/* Is p dereferenced in [from, to): p->, p[ or a unary *p? */
static bool derefs(const struct ctx *c, const struct ptr *p, size_t from, size_t to)
{
	const char *m = c->m;
	size_t i, n = strlen(p->name), q, r;

	for (i = from; i + n <= to; i++) {
		if (!word_at(m, i, to, p->name))
			continue;
		q = prev_nonblank(m, i, from);
		if (q != NONE && (m[q] == '.' || (m[q] == '>' && q > 0 && m[q - 1] == '-')))
			continue;	/* a member of the same name */
		r = skip_blanks(m, i + n, to);
		if (m[r] == '[' || (m[r] == '-' && m[r + 1] == '>'))
			return true;
		if (q != NONE && m[q] == '*') {
			r = prev_nonblank(m, q, from);
			if (r == NONE || !(is_ident(m[r]) || m[r] == ')' || m[r] == ']'))
				return true;
		}
	}
	return false;
}

/* --- kinds: where ------------------------------------------------------ */

/* wild_pointer, null_pointer: a pointer in scope dereferenced by a statement */
static void find_derefs(struct ctx *c)
{
	int k, p;

	collect_ptrs(c);
	for (k = 0; k < c->nst; k++) {
		const struct stmt *st = &c->st[k];

		if (!insertable(c, st))
			continue;
		for (p = 0; p < c->nptr; p++) {
			const struct ptr *pt = &c->ptrs[p];

			if (pt->from <= st->start && st->start < pt->to &&
			    derefs(c, pt, st->start, st->end))
				add_site(c, st->start, eol(c, st->start), 0, 0, pt->name);
		}
	}
}

/* The condition of if/while/for at i: its parentheses, or false. */
static bool condition_at(const struct ctx *c, size_t i, size_t *open, size_t *close)
{
	static const char *const words[] = { "if", "while", "for", NULL };
	const char *const *w;

	for (w = words; *w; w++) {
		if (!word_at(c->m, i, c->f->end, *w))
			continue;
		*open = skip_blanks(c->m, i + strlen(*w), c->f->end);
		if (c->m[*open] != '(')
			return false;
		*close = match_close(c->m, *open, c->f->end);
		return *close != NONE;
	}
	return false;
}

/* "== x->count" or "== x.count": a ring's wrap compare */
static bool ring_wrap(const char *m, size_t i, size_t end)
{
	size_t j = skip_blanks(m, i + 2, end), last = NONE;
	int links = 0;

	while (j < end && is_ident(m[j])) {
		last = j;
		j = skip_blanks(m, ident_end(m, j, end), end);
		if (m[j] == '-' && m[j + 1] == '>')
			j = skip_blanks(m, j + 2, end);
		else if (m[j] == '.')
			j = skip_blanks(m, j + 1, end);
		else
			break;
		links++;
	}
	return links && m[j] != '(' && ident_is(m, last, "count");
}

/* The relational operator at i: its length, or 0. */
static size_t relational(const char *m, size_t i, size_t end)
{
	char p = m[i - 1], n = m[i + 1];

	if (m[i] == '<' && p != '<' && n != '<')
		return n == '=' ? 2 : 1;
	if (m[i] == '>' && p != '>' && p != '-' && n != '>')
		return n == '=' ? 2 : 1;
	if (m[i] == '=' && n == '=' && !strchr("=!<>", p) && ring_wrap(m, i, end))
		return 2;
	return 0;
}

/* off_by_one: a relational operator, or a ring's wrap compare, in a condition */
static void find_compares(struct ctx *c)
{
	size_t i, open, close, j, n;

	for (i = c->f->body + 1; i < c->f->end; i++) {
		if (!condition_at(c, i, &open, &close))
			continue;
		for (j = open + 1; j < close; j++) {
			n = relational(c->m, j, close);
			if (n) {
				add_site(c, open + 1, close, j, n, NULL);
				j += n - 1;
			}
		}
	}
}

/* endless_loop: the condition of a while or for loop */
static void find_loops(struct ctx *c)
{
	size_t i, open, close, s1, s2;

	for (i = c->f->body + 1; i < c->f->end; i++) {
		if (!word_at(c->m, i, c->f->end, "while") && !word_at(c->m, i, c->f->end, "for"))
			continue;
		if (!condition_at(c, i, &open, &close))
			continue;
		if (c->m[i] == 'w') {
			add_site(c, open + 1, close, open + 1, close, NULL);
			continue;
		}
		s1 = depth0(c->m, open + 1, close, ';');
		s2 = s1 == NONE ? NONE : depth0(c->m, s1 + 1, close, ';');
		/* "for (;;)" never ends already */
		if (s2 != NONE && skip_blanks(c->m, s1 + 1, s2) < s2)
			add_site(c, open + 1, close, s1 + 1, s2, NULL);
	}
}

static const char *const index_names[] = {
	"next_to_use", "next_to_clean", "next_to_watch", NULL,
};

static bool names_index(const char *m, size_t from, size_t to)
{
	const char *const *w;
	size_t i;

	for (i = from; i < to; i++)
		for (w = index_names; *w; w++)
			if (word_at(m, i, to, *w))
				return true;
	return false;
}

/* stale_index: a store of a ring index, by assignment or store-release */
static void find_index_stores(struct ctx *c)
{
	static const char *const stores[] = { "smp_store_release", "WRITE_ONCE", NULL };
	size_t op, len, name, open, close, comma;
	int k;

	for (k = 0; k < c->nst; k++) {
		const struct stmt *st = &c->st[k];

		if (!plain(c, st))
			continue;
		if (call_stmt(c, st, &name, &open, &close) && callee_in(c->m, name, stores)) {
			comma = depth0(c->m, open + 1, close, ',');
			if (comma != NONE && names_index(c->m, open + 1, comma))
				add_site(c, st->start, st->end, 0, 0, NULL);
			continue;
		}
		op = assign_op(c->m, st->start, st->end, &len);
		name = op == NONE ? NONE : last_ident(c->m, st->start, op);
		if (name != NONE && names_index(c->m, name, op))
			add_site(c, st->start, st->end, 0, 0, NULL);
	}
}

static const char *const quiet_calls[] = {
	/* logging and hints: skipping them changes nothing worth a run */
	"prefetch", "e_err", "e_warn", "e_info", "e_dbg", "dev_err", "dev_warn",
	"netdev_dbg", "netdev_err", "netdev_warn", "pr_err", "pr_info", "pr_debug",
	"printk", "e1000_dump", "OPTIMIZER_HIDE_VAR", "WARN_ON", "WARN_ON_ONCE",
	"BUG_ON", "skb_checksum_none_assert", NULL,
};

static const char *const frees[] = {
	"dev_kfree_skb", "dev_kfree_skb_any", "dev_kfree_skb_irq", "dev_consume_skb_any",
	"consume_skb", "kfree_skb", "napi_consume_skb", "skb_free_frag", "page_frag_free",
	"put_page", "__free_page", "kfree", NULL,
};

static const char *const unmaps[] = {
	"dma_unmap_single", "dma_unmap_page", NULL,
};

/* skip_call: a call statement */
static void find_calls(struct ctx *c)
{
	size_t name, open, close;
	int k;

	for (k = 0; k < c->nst; k++)
		if (call_stmt(c, &c->st[k], &name, &open, &close) &&
		    !callee_in(c->m, name, quiet_calls))
			add_site(c, c->st[k].start, c->st[k].end, 0, 0, NULL);
}

/* double_free: a call that frees memory or a DMA mapping */
static void find_frees(struct ctx *c)
{
	size_t name, open, close;
	int k;

	for (k = 0; k < c->nst; k++)
		if (call_stmt(c, &c->st[k], &name, &open, &close) &&
		    (callee_in(c->m, name, frees) || callee_in(c->m, name, unmaps)))
			add_site(c, c->st[k].start, c->st[k].end, 0, 0, NULL);
}

/* use_after_free: a call that frees memory, and what it freed */
static void find_freed(struct ctx *c)
{
	size_t name, open, close, arg_end;
	char *arg;
	int k;

	for (k = 0; k < c->nst; k++) {
		if (!call_stmt(c, &c->st[k], &name, &open, &close) ||
		    !callee_in(c->m, name, frees))
			continue;
		for (arg_end = open + 1; arg_end < close; arg_end++)
			if (c->m[arg_end] == ',' || c->m[arg_end] == '(')
				break;
		if (arg_end < close && c->m[arg_end] == '(')
			continue;	/* a call in the argument: would run twice */
		arg = trimmed(c, open + 1, arg_end);
		if (*arg && strlen(arg) < sizeof(c->sites->var))
			add_site(c, c->st[k].start, c->st[k].end, 0, 0, arg);
		free(arg);
	}
}

static bool length_name(const char *m, size_t at)
{
	size_t n = ident_end(m, at, at + 64) - at;
	char name[65];

	memcpy(name, m + at, n);
	name[n] = '\0';
	return strstr(name, "len") || strstr(name, "size") || !strcmp(name, "bytecount") ||
	       (n > 2 && !strcmp(name + n - 2, "sz"));
}

/* The statement's assignment "lhs op rhs;" with the last name of lhs. */
static bool assignment(const struct ctx *c, const struct stmt *st, size_t *op, size_t *len,
		       size_t *name)
{
	if (!plain(c, st) && !declaration(c, st))
		return false;
	*op = assign_op(c->m, st->start, st->end, len);
	if (*op == NONE || memchr(c->m + st->start, '(', *op - st->start) ||
	    depth0(c->m, st->start, st->end, ',') != NONE)
		return false;
	*name = last_ident(c->m, st->start, *op);
	return *name != NONE;
}

/* length: an assignment (=, +=, -=) to a length or size */
static void find_lengths(struct ctx *c)
{
	size_t op, len, name;
	int k;

	for (k = 0; k < c->nst; k++) {
		const struct stmt *st = &c->st[k];

		if (assignment(c, st, &op, &len, &name) && length_name(c->m, name) &&
		    (len == 1 || c->m[op] == '+' || c->m[op] == '-'))
			add_site(c, st->start, st->end, op + len, st->end - 1, NULL);
	}
}

/* dma_address: a value stored into a descriptor's buffer_addr */
static void find_dma_stores(struct ctx *c)
{
	size_t op, len, name;
	int k;

	for (k = 0; k < c->nst; k++) {
		const struct stmt *st = &c->st[k];

		if (assignment(c, st, &op, &len, &name) && len == 1 &&
		    ident_is(c->m, name, "buffer_addr"))
			add_site(c, st->start, st->end, op + len, st->end - 1, NULL);
	}
}

/* --- kinds: how --------------------------------------------------------- */

static char *insert_before(const struct ctx *c, const struct site *si, const char *value)
{
	char *line = text(c, si->start, si->end);
	char *after = xasprintf("%s = %s; OPTIMIZER_HIDE_VAR(%s); %s", si->var, value,
				si->var, line);

	free(line);
	return after;
}

/*
 * A wild value the optimizer cannot see (OPTIMIZER_HIDE_VAR), as a
 * corrupted pointer would be: NULL, a non-canonical address (a list
 * poison), an address in Xen's image, or one in dom0's direct map (which
 * SVM allows: the corruption of dom0 it would cause is what a campaign
 * measures).
 */
static char *edit_wild(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	static const char *const what[] = {
		"NULL", "a non-canonical address", "an address in Xen's image",
		"an address in dom0's direct map",
	};
	static const unsigned long long base[] = {
		0, 0xdead000000000000ULL, 0xffff82d040000000ULL, 0xffff888000000000ULL,
	};
	static const unsigned long long step[] = { 0, 0x100, 0x1000, 0x1000 };
	static const unsigned long long span[] = { 1, 256, 1024, 262144 };
	unsigned long long v = base[r % 4] + ((r >> 8) % span[r % 4]) * step[r % 4];
	char *value = v ? xasprintf("(void *)0x%016llxUL", v) : xasprintf("NULL");
	char *after = insert_before(c, si, value);

	*models = xasprintf("%s holds %s when the next statement dereferences it",
			    si->var, what[r % 4]);
	free(value);
	return after;
}

static char *edit_null(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	*models = xasprintf("%s is NULL when the next statement dereferences it", si->var);
	return insert_before(c, si, "NULL");
}

static char *edit_compare(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	const char *m = c->m, *to;
	char *head = text(c, si->start, si->a), *tail = text(c, si->a + si->b, si->end);
	char *after;

	if (m[si->a] == '=')
		to = ">";
	else if (si->b == 2)
		to = m[si->a] == '<' ? "<" : ">";
	else
		to = m[si->a] == '<' ? "<=" : ">=";
	*models = xasprintf("'%.*s' became '%s': %s", (int)si->b, m + si->a, to,
			    m[si->a] == '=' ? "the ring index reaches count, one past the end"
					    : "the bound is off by one");
	after = xasprintf("%s%s%s", head, to, tail);
	free(head);
	free(tail);
	return after;
}

static char *edit_loop(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	char *head = text(c, si->start, si->a), *tail = text(c, si->b, si->end);
	char *cond = trimmed(c, si->a, si->b), *after;

	*models = xasprintf("the loop condition '%s' is always true", cond);
	after = xasprintf("%s%s(%s) || 1%s", head, si->a == si->start ? "" : " ", cond, tail);
	free(head);
	free(tail);
	free(cond);
	return after;
}

static char *edit_stale(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	char *stmt = trimmed(c, si->start, si->end);

	*models = xasprintf("a ring index is not stored: %s", stmt);
	free(stmt);
	return xasprintf(";");
}

static char *edit_skip(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	char *stmt = trimmed(c, si->start, si->end);

	*models = xasprintf("a call is skipped: %s", stmt);
	free(stmt);
	return xasprintf(";");
}

static char *edit_twice(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	char *stmt = text(c, si->start, si->end), *after;

	*models = xasprintf("freed twice: %s", stmt);
	after = xasprintf("%s %s", stmt, stmt);
	free(stmt);
	return after;
}

static char *edit_uaf(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	char *stmt = text(c, si->start, si->end), *after;

	*models = xasprintf("%s is written (slab poison 0x6b) right after it is freed", si->var);
	after = xasprintf("%s *(volatile u64 *)(%s) = 0x6b6b6b6b6b6b6b6bULL;", stmt, si->var);
	free(stmt);
	return after;
}

static char *corrupt_rhs(const struct ctx *c, const struct site *si, const char *how)
{
	char *head = text(c, si->start, si->a), *rhs = trimmed(c, si->a, si->b);
	char *after = xasprintf("%s (%s) %s;", head, rhs, how);

	free(head);
	free(rhs);
	return after;
}

static char *edit_length(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	static const char *const how[] = {
		"+ 1", "+ 4", "+ 64", "+ 4096", "- 1", "- 4", "^ 0x100", "^ 0x8000",
	};
	const char *h = how[r % 8];
	char *stmt = trimmed(c, si->start, si->end);

	*models = xasprintf("a length is off by '%s': %s", h, stmt);
	free(stmt);
	return corrupt_rhs(c, si, h);
}

static char *edit_dma(const struct ctx *c, const struct site *si, uint64_t r, char **models)
{
	static const char *const how[] = {
		"^ 0x1000ULL", "^ 0x40000000ULL", "+ 0x800ULL", "& 0xfffULL",
	};
	static const char *const what[] = {
		"the neighbouring page", "1 GiB away", "the middle of the next buffer",
		"the first page of memory",
	};

	*models = xasprintf("the descriptor's buffer address points to %s", what[r % 4]);
	return corrupt_rhs(c, si, how[r % 4]);
}

/* The kinds, in the order of the README's table. */
static const struct kind kinds[] = {
	{ "wild_pointer", find_derefs, edit_wild,
	  "SVM refuses NULL, non-canonical and Xen addresses and disables the instance; "
	  "a dom0 address it allows may corrupt dom0" },
	{ "null_pointer", find_derefs, edit_null,
	  "SVM refuses the access to page 0 and disables the instance; dom0 takes over" },
	{ "off_by_one", find_compares, edit_compare,
	  "a slot past the ring is dom0 memory SVM allows, or the device gets a bad "
	  "descriptor; often no visible effect" },
	{ "stale_index", find_index_stores, edit_stale,
	  "the instance and the device disagree about the ring: a stall, lost or repeated "
	  "frames; dom0's TX timeout or the watchdog" },
	{ "skip_call", find_calls, edit_skip,
	  "depends on the call: a leak, a device left unserved, an interrupt never acknowledged" },
	{ "double_free", find_frees, edit_twice,
	  "the second free reaches Xen's skb pool or dom0 by upcall: a leak or dom0 crash "
	  "SVM cannot see" },
	{ "use_after_free", find_freed, edit_uaf,
	  "a write to freed dom0 memory, which SVM allows: corrupted data or a dom0 crash" },
	{ "length", find_lengths, edit_length,
	  "a wrong length to a copy or DMA: SVM refuses an access outside dom0, else "
	  "corrupted or dropped frames" },
	{ "endless_loop", find_loops, edit_loop,
	  "the entry never returns: Xen's 1 s watchdog stops it and disables the instance" },
	{ "dma_address", find_dma_stores, edit_dma,
	  "a device-side fault SVM cannot see: the DMA checker or the IOMMU must catch it" },
};

#define NKINDS	((int)(sizeof(kinds) / sizeof(kinds[0])))

bool kind_known(const char *kind)
{
	int k;

	for (k = 0; k < NKINDS; k++)
		if (!strcmp(kinds[k].name, kind))
			return true;
	return false;
}

const char *kind_names(void)
{
	static char buf[512];
	int k;

	buf[0] = '\0';
	for (k = 0; k < NKINDS; k++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", k ? "," : "",
			 kinds[k].name);
	return buf;
}

/* --- the choice --------------------------------------------------------- */

/* The kinds a comma-separated list allows (all for NULL). */
static void allowed_kinds(const char *list, bool *allow)
{
	char *copy, *w, *save;
	int k;

	for (k = 0; k < NKINDS; k++)
		allow[k] = !list;
	if (!list)
		return;
	copy = strdup(list);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < NKINDS && strcmp(kinds[k].name, w); k++)
			;
		if (k == NKINDS)
			die(EXIT_ERR, "unknown kind '%s' (kinds: %s)", w, kind_names());
		allow[k] = true;
	}
	free(copy);
}

/* Every site of the allowed kinds, function by function in list order. */
static void collect(struct ctx *c, const char *functions, const bool *allow)
{
	struct func *fs;
	int nf = src_funcs(c->s, &fs), k;
	char *copy = strdup(functions), *w, *save;

	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		c->f = src_func(c->s, fs, nf, w);
		if (!c->f)
			die(EXIT_ERR, "function %s is not defined in %s", w, c->s->path);
		c->nst = src_stmts(c->s, c->f, &c->st);
		for (k = 0; k < NKINDS; k++) {
			c->kind = k;
			if (allow[k])
				kinds[k].find(c);
		}
		free(c->st);
		c->st = NULL;
	}
	free(copy);
}

static void ctx_init(struct ctx *c, const struct src *s, const char *functions,
		     const char *kinds_list)
{
	bool allow[NKINDS];

	memset(c, 0, sizeof(*c));
	c->s = s;
	c->m = s->mask;
	allowed_kinds(kinds_list, allow);
	if (!functions || !*functions)
		die(EXIT_USAGE, "--functions LIST is required");
	collect(c, functions, allow);
}

void random_sites(const struct src *s, const char *functions, const char *kinds_list)
{
	struct ctx c;
	int i;

	ctx_init(&c, s, functions, kinds_list);
	for (i = 0; i < c.nsites; i++)
		printf("%s %s %d\n", kinds[c.sites[i].kind].name, c.sites[i].fn->name,
		       src_line(s, c.sites[i].start));
}

static void describe(struct ctx *c, const struct site *si, uint64_t r, struct mutation *mu)
{
	char *models;

	c->f = si->fn;
	c->kind = si->kind;
	mu->mode = "random";
	mu->kind = kinds[si->kind].name;
	mu->function = si->fn->name;
	mu->start = si->start;
	mu->end = si->end;
	mu->after = kinds[si->kind].edit(c, si, r, &models);
	mu->models = models;
	mu->expect = kinds[si->kind].expect;
}

/*
 * Attempt 0 is the seed's first draw: a kind among those with sites (all
 * kinds weigh the same, however many sites they have), then one of its
 * sites, then the variant (a wild value, a corruption).  Attempt K is the
 * K-th further draw of the same stream that picks a site not picked
 * before, so a retry never lands on a site that already failed.
 */
int random_apply(const struct src *s, const char *functions, const char *kinds_list,
		 uint64_t seed, int attempt, struct mutation *mu)
{
	int count[NKINDS] = { 0 }, first[NKINDS], avail[NKINDS], navail = 0, k, i, n = 0;
	int *order, done = 0;
	uint64_t state = seed;
	struct ctx c;
	bool *seen;
	long draw;

	ctx_init(&c, s, functions, kinds_list);
	/* the sites grouped by kind, in the order they were found */
	order = xmalloc(c.nsites * sizeof(*order));
	for (k = 0; k < NKINDS; k++) {
		first[k] = n;
		for (i = 0; i < c.nsites; i++)
			if (c.sites[i].kind == k)
				order[n++] = i;
		count[k] = n - first[k];
		if (count[k])
			avail[navail++] = k;
	}
	seen = calloc(c.nsites + 1, sizeof(*seen));
	for (draw = 0; navail && seen && draw < 1000000; draw++) {
		k = avail[next(&state) % navail];
		i = order[first[k] + next(&state) % count[k]];
		if (seen[i])
			continue;
		seen[i] = true;
		if (done++ < attempt)
			continue;
		describe(&c, &c.sites[i], next(&state), mu);
		snprintf(mu->id, sizeof(mu->id), "random-%llu-%d", (unsigned long long)seed,
			 attempt);
		return 0;
	}
	return -1;
}
