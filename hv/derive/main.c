// SPDX-License-Identifier: GPL-2.0
/*
 * twinc: derive the hypervisor instance of a driver's fast path.
 *
 *   twinc --policy P [--test] [--no-groups] [--thunks off|loops|all] [--count-hits]
 *         [--no-windows] -o OUT.s [--obj OUT.o] [--orig-obj ORIG.o]
 *         [--manifest M.json] INPUT.s
 *   twinc --policy P --verify FILE.s     (the text verifier, a fast pre-check)
 *   twinc --policy P --verify FILE.o     (objverify.c: the assembled object)
 *
 * Nothing is left behind on failure: outputs are written under temporary
 * names and renamed only once the verifier accepted the assembly and the
 * assembler accepted it too.
 */
#include <elf.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "twinc.h"
#include "objverify.h"

static int run_as(const char *in, const char *out)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execlp("as", "as", "--64", "-o", out, in, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Total size of the executable sections of an ELF object. */
static long text_bytes(const char *path)
{
	FILE *f = fopen(path, "rb");
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	long sum = 0;
	int i;

	if (!f)
		return -1;
	if (fread(&eh, sizeof(eh), 1, f) != 1)
		goto out;
	for (i = 0; i < eh.e_shnum; i++) {
		fseek(f, eh.e_shoff + (long)i * eh.e_shentsize, SEEK_SET);
		if (fread(&sh, sizeof(sh), 1, f) != 1)
			break;
		if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_type == SHT_PROGBITS)
			sum += sh.sh_size;
	}
out:
	fclose(f);
	return sum;
}

static void usage(void)
{
	fprintf(stderr, "usage: twinc --policy P [--test] [--no-groups] [--thunks off|loops|all] [--count-hits]\n"
		"             [--no-windows] -o OUT.s [--obj OUT.o] "
		"[--orig-obj ORIG.o] [--manifest M.json] INPUT.s\n"
		"       twinc --policy P --verify FILE.s|FILE.o\n");
	exit(2);
}

static char *tmpname(const char *path)
{
	char *t = malloc(strlen(path) + 8);

	sprintf(t, "%s.tmp", path);
	return t;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", 1, NULL, 'p' }, { "test", 0, NULL, 't' },
		{ "obj", 1, NULL, 'c' }, { "orig-obj", 1, NULL, 'O' },
		{ "manifest", 1, NULL, 'm' }, { "verify", 1, NULL, 'v' },
		{ "quiet", 0, NULL, 'q' }, { "no-groups", 0, NULL, 'g' },
		{ "thunks", 1, NULL, 'T' }, { "count-hits", 0, NULL, 'H' },
		{ "no-windows", 0, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	const char *pol_path = NULL, *out = NULL, *obj = NULL, *orig = NULL;
	const char *man = NULL, *verify = NULL, *in;
	struct options opt = { .thunks = THUNKS_OUTSIDE_LOOPS };
	struct policy pol = { 0 };
	struct program prog = { 0 };
	struct stats st = { 0 };
	struct timespec t0, t1;
	char *tout, *tobj = NULL, *torig = NULL;
	long in_bytes = 0, out_bytes = 0;
	int c, n, rc = 1;
	double secs;

	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case 'p': pol_path = optarg; break;
		case 't': opt.test_mode = true; break;
		case 'c': obj = optarg; break;
		case 'O': orig = optarg; break;
		case 'm': man = optarg; break;
		case 'v': verify = optarg; break;
		case 'q': opt.quiet = true; break;
		case 'g': opt.no_groups = true; break;
		case 'H': opt.count_hits = true; break;
		case 'W': opt.no_windows = true; break;
		case 'T':
			if (!strcmp(optarg, "off"))
				opt.thunks = THUNKS_OFF;
			else if (!strcmp(optarg, "loops"))
				opt.thunks = THUNKS_OUTSIDE_LOOPS;
			else if (!strcmp(optarg, "all"))
				opt.thunks = THUNKS_ALL;
			else
				usage();
			break;
		case 'o': out = optarg; break;
		default: usage();
		}
	}
	if (!pol_path || policy_load(&pol, pol_path))
		return pol_path ? 1 : (usage(), 2);
	if (verify && strlen(verify) > 2 && !strcmp(verify + strlen(verify) - 2, ".o"))
		return objverify_file(verify, &pol, false) ? 1 : 0;
	if (verify) {
		if (verify_file(verify, &pol, &n))
			return 1;
		printf("%s: verified, %d SVM-translated accesses\n", verify, n);
		return 0;
	}
	if (optind != argc - 1 || !out)
		usage();
	in = argv[optind];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (asm_parse(&prog, in) || closure_compute(&prog, &pol))
		return 1;
	tout = tmpname(out);
	if (rewrite_emit(&prog, &pol, &opt, tout, &st))
		goto fail;
	if (verify_file(tout, &pol, &n))
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (obj) {
		tobj = tmpname(obj);
		if (run_as(tout, tobj)) {
			err_at(out, 0, "assembler refused the derived code");
			goto fail;
		}
		/* the bytes themselves, by the verifier that shares no parser */
		if (objverify_file(tobj, &pol, true))
			goto fail;
		out_bytes = text_bytes(tobj);
	}
	if (orig) {
		/* the closure as it was, for the code-growth figure */
		struct options po = opt;
		struct program pp = { 0 };
		char *ts = malloc(strlen(orig) + 8);

		torig = tmpname(orig);
		sprintf(ts, "%s.s.tmp", orig);
		if (asm_parse(&pp, in) || closure_compute(&pp, &pol))
			goto fail;
		po.passthrough = true;
		if (rewrite_emit(&pp, &pol, &po, ts, &(struct stats){ 0 }) ||
		    run_as(ts, torig)) {
			unlink(ts);
			err_at(in, 0, "cannot assemble the original closure");
			goto fail;
		}
		unlink(ts);
		in_bytes = text_bytes(torig);
	}
	if (man) {
		char *tman = tmpname(man);

		if (manifest_write(tman, &prog, &pol, &st, 1, secs, in, in_bytes,
				   out_bytes, tout) || rename(tman, man)) {
			unlink(tman);
			goto fail;
		}
	}
	if (rename(tout, out) || (tobj && rename(tobj, obj)) ||
	    (torig && rename(torig, orig)))
		goto fail;
	if (!opt.quiet)
		closure_print(&prog, stdout);
	if (!opt.quiet)
		printf("twinc: %d lines, %d closure functions, %d SVM sites, "
			"verified %d accesses, %.3f s\n", prog.nlines, count_closure(&prog),
			st.mem_sites, n, secs);
	return 0;
fail:
	unlink(tout);
	if (tobj)
		unlink(tobj);
	if (torig)
		unlink(torig);
	if (man)
		unlink(man);
	unlink(out);
	return rc;
}
