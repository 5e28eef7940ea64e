// SPDX-License-Identifier: GPL-2.0
/*
 * tdh faults: software-implemented fault injection.  A mutant is e1000's
 * source with one bug put in (hv/faults: the named library or a seeded
 * random site), compiled, derived by twinc, checked by the object verifier
 * and linked into a payload on the host (hv/faults/mutant.sh), before the
 * machine boots.  dom0 keeps its own, unmodified driver: only the
 * hypervisor instance is buggy.  A mutant the verifier refused never runs;
 * the others are uploaded into dom0, loaded into Xen and attached under
 * traffic (faults_probe.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults_int.h"
#include "putfile.h"
#include "util.h"

#define BUILD_TIMEOUT_S	600
#define GUEST_PAYLOAD	"/run/faults/mutant.livepatch"

static char *twinmut_path(const struct fault_opts *fo)
{
	return xasprintf("%s/build/bin/twinmut", fo->source_dir);
}

static char *library_path(const struct fault_opts *fo)
{
	return fo->library ? xstrdup(fo->library) :
	       xasprintf("%s/hv/faults/e1000.mutations", fo->source_dir);
}

/* splitmix64: the i-th random mutant's seed, from the campaign's */
static uint32_t mutant_seed(uint64_t seed, int i)
{
	uint64_t x = seed * 0x100000001b3ULL + (uint64_t)i + 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(x ^ (x >> 31));
}

void swifi_plan(const struct fault_opts *fo, struct fault **faults, int *nr)
{
	char *tool = twinmut_path(fo), *lib = library_path(fo), *out = NULL, *line, *save;
	char *argv[] = { tool, "--library", lib, "--list", NULL };
	char id[64];
	int i;

	if (fo->kinds[FK_SWIFI]) {
		if (run_cmd(argv, &out, true, 60) != 0)
			die(EXIT_RUN, "%s --list failed: %s; run 'make' first",
			    tool, out && *out ? strtok(out, "\n") : "no output");
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			snprintf(id, sizeof(id), "swifi:%.*s", (int)strcspn(line, " \t"), line);
			fault_add(fo, faults, nr, FK_SWIFI, id);
		}
	}
	/* --only names random mutants by their own seeds, drawn or not */
	for (i = 0; fo->kinds[FK_RANDOM] && i < fo->nr_only; i++)
		if (!strncmp(fo->only[i], "random:", 7))
			fault_add(fo, faults, nr, FK_RANDOM, fo->only[i]);
	for (i = 0; fo->kinds[FK_RANDOM] && !fo->nr_only && i < fo->count; i++) {
		snprintf(id, sizeof(id), "random:%u", mutant_seed(fo->seed, i));
		fault_add(fo, faults, nr, FK_RANDOM, id);
	}
	free(out);
	free(tool);
	free(lib);
}

/* mutant.json's status into the fault: a refusal is an outcome already. */
static void read_mutant(struct fault *f, const char *dir)
{
	char *path = xasprintf("%s/mutant.json", dir);
	json_object *m = json_object_from_file(path), *v;
	const char *status = "", *reason = "";

	if (!m)
		die(EXIT_RUN, "%s: no mutant description (hv/faults/mutant.sh failed)", path);
	f->what = m;
	if (json_object_object_get_ex(m, "status", &v))
		status = json_object_get_string(v);
	if (json_object_object_get_ex(m, "reason", &v) && json_object_get_string(v))
		reason = json_object_get_string(v);
	if (!strcmp(status, "built") && json_object_object_get_ex(m, "payload", &v)) {
		f->payload = xasprintf("%s/%s", dir, json_object_get_string(v));
	} else if (!strcmp(status, "derive_refused") || !strcmp(status, "verify_refused")) {
		f->outcome = OUT_VERIFIER;
		snprintf(f->detail, sizeof(f->detail), "%s: %s",
			 status[0] == 'd' ? "twinc refused it" : "the object verifier refused it", reason);
	} else {
		f->outcome = OUT_NOT_INJECTED;
		snprintf(f->detail, sizeof(f->detail), "%s: %s", status, reason);
	}
	free(path);
}

/*
 * A campaign keeps what says what the mutant was (mutant.json, the diff,
 * the tools' logs), not the 800 KB of sources and objects it was built
 * from: mutant.sh makes them again from the diff's seed or name.
 */
static void slim(const char *dir)
{
	static const char *const big[] = {
		"e1000_main.c", "e1000_main.s", "e1000_twin.s", "e1000_twin.o",
	};
	char *link = xasprintf("%s/link", dir);
	char *rm[] = { "rm", "-rf", link, NULL };
	size_t i;

	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		char *p = xasprintf("%s/%s", dir, big[i]);

		unlink(p);
		free(p);
	}
	run_cmd(rm, NULL, false, 60);	/* the payload's link objects */
	free(link);
}

void swifi_build(const struct fault_opts *fo, const char *rundir, struct fault *f)
{
	const char *arg = strchr(f->id, ':') + 1;
	char *script = xasprintf("%s/hv/faults/mutant.sh", fo->source_dir);
	char *dir = xasprintf("%s/mutants/%s", rundir, f->id), *out = NULL, *lib = library_path(fo);
	char *argv[8], **a = argv;

	*a++ = script;
	*a++ = "--library";
	*a++ = lib;
	if (fo->unsafe)
		*a++ = "--unsafe";
	*a++ = f->kind == FK_SWIFI ? "--named" : "--random";
	*a++ = (char *)arg;
	*a++ = dir;
	*a = NULL;

	*strchr(dir + strlen(rundir), ':') = '-';
	if (run_cmd(argv, &out, true, BUILD_TIMEOUT_S) != 0)
		die(EXIT_RUN, "building mutant %s failed: %s", f->id,
		    out && *out ? strtok(out, "\n") : "no output");
	read_mutant(f, dir);
	slim(dir);
	free(lib);
	free(out);
	free(dir);
	free(script);
}

bool swifi_run(struct rig *r, struct fault *f)
{
	bool ok;

	if (!f->payload)
		return true;	/* refused on the host, or never compiled */
	if (peer_put_file(&r->a, f->payload, GUEST_PAYLOAD, 60)) {
		/* the previous fault's late effect: a fresh machine for this one */
		warn("cannot copy mutant %s into dom0; booting again", f->id);
		rig_release(r);
		rig_boot(r);
		if (peer_put_file(&r->a, f->payload, GUEST_PAYLOAD, 60))
			die(EXIT_RUN, "cannot copy %s into a freshly booted dom0; console log %s",
			    f->payload, r->m.d.console_log);
	}
	ok = rig_inject_payload(r, f, GUEST_PAYLOAD);
	unlink(f->payload);	/* 90 KB a mutant; mutant.sh makes it again */
	return ok;
}
