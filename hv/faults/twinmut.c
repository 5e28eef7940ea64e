// SPDX-License-Identifier: GPL-2.0
/*
 * twinmut: writes a copy of a C source with one injected bug, and one JSON
 * line on stdout saying what it changed (hv/faults/README.md).
 *
 *   twinmut --library FILE --named NAME SRC.c -o OUT.c
 *   twinmut --library FILE --list | --show NAME
 *   twinmut --random SEED [--attempt K] [--kinds LIST] --functions LIST SRC.c -o OUT.c
 *   twinmut --sites [--kinds LIST] --functions LIST SRC.c
 *   twinmut --quote FILE
 *
 * Errors are one line on stderr and a non-zero status; OUT.c is written
 * under a temporary name and renamed only once it is whole.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "twinmut.h"

struct opts {
	const char *library, *named, *show, *kinds, *functions, *out, *quote, *src;
	const char *seed;
	bool list, sites;
	int attempt;
};

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: twinmut --library FILE --named NAME SRC.c -o OUT.c\n"
	      "       twinmut --library FILE --list | --show NAME\n"
	      "       twinmut --random SEED [--attempt K] [--kinds LIST] --functions LIST SRC.c -o OUT.c\n"
	      "       twinmut --sites [--kinds LIST] --functions LIST SRC.c\n"
	      "       twinmut --quote FILE\n", stderr);
	exit(EXIT_USAGE);
}

static void json_string(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_field(const char *key, const char *value, bool first)
{
	printf("%s\"%s\": ", first ? "" : ", ", key);
	json_string(stdout, value, strlen(value));
}

static void describe(const struct src *s, const struct mutation *mu)
{
	printf("{");
	json_field("id", mu->id, true);
	json_field("mode", mu->mode, false);
	json_field("kind", mu->kind, false);
	json_field("function", mu->function, false);
	printf(", \"line\": %d, \"before\": ", src_line(s, mu->start));
	json_string(stdout, s->text + mu->start, mu->end - mu->start);
	json_field("after", mu->after, false);
	json_field("models", mu->models, false);
	json_field("expect", mu->expect, false);
	if (mu->random)
		printf(", \"seed\": %llu, \"attempt\": %d", (unsigned long long)mu->seed,
		       mu->attempt);
	printf("}\n");
}

/* The mutant, whole or not at all. */
static void write_mutant(const struct src *s, const struct mutation *mu, const char *out)
{
	char *tmp = xasprintf("%s.tmp", out);
	FILE *f = fopen(tmp, "w");
	bool ok;

	if (!f)
		die(EXIT_ERR, "%s: %s", tmp, strerror(errno));
	ok = fwrite(s->text, 1, mu->start, f) == mu->start &&
	     fputs(mu->after, f) >= 0 &&
	     fwrite(s->text + mu->end, 1, s->len - mu->end, f) == s->len - mu->end;
	if (fclose(f) || !ok || rename(tmp, out)) {
		unlink(tmp);
		die(EXIT_ERR, "%s: cannot write", out);
	}
	free(tmp);
}

static int parse_int(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 1000000)
		die(EXIT_USAGE, "%s must be a number from 0, not '%s'", what, s);
	return (int)v;
}

static uint64_t parse_seed(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || *s == '-')
		die(EXIT_USAGE, "--random takes an unsigned number, not '%s'", s);
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "library", required_argument, NULL, 'l' },
		{ "named", required_argument, NULL, 'n' },
		{ "list", no_argument, NULL, 'L' },
		{ "show", required_argument, NULL, 'S' },
		{ "random", required_argument, NULL, 'r' },
		{ "attempt", required_argument, NULL, 'a' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "functions", required_argument, NULL, 'f' },
		{ "sites", no_argument, NULL, 's' },
		{ "quote", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", lopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->library = optarg; break;
		case 'n': o->named = optarg; break;
		case 'L': o->list = true; break;
		case 'S': o->show = optarg; break;
		case 'r': o->seed = optarg; break;
		case 'a': o->attempt = parse_int(optarg, "--attempt"); break;
		case 'k': o->kinds = optarg; break;
		case 'f': o->functions = optarg; break;
		case 's': o->sites = true; break;
		case 'q': o->quote = optarg; break;
		case 'o': o->out = optarg; break;
		case 'h': usage();
		default:
			die(EXIT_USAGE, "unknown or incomplete option '%s' (twinmut --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->src = argv[optind++];
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
}

/* Exactly one mode, with what it needs. */
static void check(const struct opts *o)
{
	int modes = !!o->named + o->list + !!o->show + !!o->seed + o->sites + !!o->quote;

	if (modes != 1)
		die(EXIT_USAGE, "give one of --named, --list, --show, --random, --sites, --quote");
	if ((o->named || o->list || o->show) && !o->library)
		die(EXIT_USAGE, "--named, --list and --show need --library FILE");
	if ((o->named || o->seed || o->sites) && !o->src)
		die(EXIT_USAGE, "no source file given");
	if ((o->named || o->seed) && !o->out)
		die(EXIT_USAGE, "no output file given (-o OUT.c)");
	if ((o->list || o->show || o->quote) && o->src)
		die(EXIT_USAGE, "unexpected argument '%s'", o->src);
	if (o->out && o->src && !strcmp(o->out, o->src))
		die(EXIT_USAGE, "-o %s would overwrite the source", o->out);
}

/* FILE's text (standard input for "-") as one JSON string, for mutant.sh */
static void quote(const char *path)
{
	size_t len = 0, cap = 4096, n;
	char *t;

	if (strcmp(path, "-")) {
		t = read_file(path, &len);
	} else {
		t = xmalloc(cap);
		while ((n = fread(t + len, 1, cap - len, stdin)) > 0) {
			len += n;
			if (len == cap && !(t = realloc(t, cap *= 2)))
				die(EXIT_ERR, "out of memory");
		}
	}
	json_string(stdout, t, len);
	putchar('\n');
	free(t);
}

int main(int argc, char **argv)
{
	struct mutation mu = { 0 };
	struct opts o = { 0 };
	struct src s;

	parse(argc, argv, &o);
	check(&o);
	if (o.list || o.show || o.quote) {
		if (o.quote)
			quote(o.quote);
		else if (o.list)
			library_list(o.library);
		else
			library_show(o.library, o.show);
		return fflush(stdout) ? EXIT_ERR : 0;
	}
	src_load(&s, o.src);
	if (o.sites) {
		random_sites(&s, o.functions, o.kinds);
		return 0;
	}
	if (o.named) {
		library_apply(o.library, o.named, &s, &mu);
	} else {
		mu.random = true;
		mu.seed = parse_seed(o.seed);
		mu.attempt = o.attempt;
		if (random_apply(&s, o.functions, o.kinds, mu.seed, o.attempt, &mu))
			die(EXIT_NO_SITE, "no site for attempt %d: the functions have no %s sites left",
			    o.attempt, o.kinds ? o.kinds : "candidate");
	}
	write_mutant(&s, &mu, o.out);
	describe(&s, &mu);
	return fflush(stdout) ? EXIT_ERR : 0;
}
