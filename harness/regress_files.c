// SPDX-License-Identifier: GPL-2.0
/*
 * tdh regress: the samples, the matrix, the versions measured, and the
 * files that hold them (the baseline, regress.json).
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"
#include "libvirt-launcher.h"
#include "netns.h"
#include "regress.h"
#include "results.h"
#include "stats.h"
#include "testbed.h"
#include "util.h"
#include "regress_int.h"

/* --- samples ------------------------------------------------------------------ */

void samples_add(struct samples *ss, const struct sample *s)
{
	if (!ss->s)
		ss->s = xcalloc(RG_MAX_SAMPLES, sizeof(*ss->s));
	if (ss->nr == RG_MAX_SAMPLES)
		die(EXIT_USAGE, "more than %d samples", RG_MAX_SAMPLES);
	ss->s[ss->nr++] = *s;
}

void sample_from_record(struct sample *s, const struct record *r, const char *launcher)
{
	int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->config, sizeof(s->config), "%s", r->config);
	snprintf(s->workload, sizeof(s->workload), "%s", r->workload);
	snprintf(s->launcher, sizeof(s->launcher), "%s", launcher);
	s->repeat = r->repeat;
	s->mbps = r->mbps;
	s->cpu_util = r->cpu_util;
	s->scaled = r->cpu_scaled_mbps;
	s->contended = r->contended != NULL;
	s->has_insn = r->insn.nr > 0;
	s->insn_per_kb = insn_per_kb(r->insn.total, r->insn.kb);
	s->nr_regions = r->insn.nr;
	for (i = 0; i < r->insn.nr; i++) {
		memcpy(s->region[i], r->insn.name[i], INSN_NAME_LEN);
		s->region_per_kb[i] = insn_per_kb(r->insn.count[i], r->insn.kb);
	}
}

static json_object *sample_json(const struct sample *s)
{
	json_object *o = json_object_new_object(), *regs;
	int i;

	json_object_object_add(o, "config", json_object_new_string(s->config));
	json_object_object_add(o, "workload", json_object_new_string(s->workload));
	json_object_object_add(o, "launcher", json_object_new_string(s->launcher));
	json_object_object_add(o, "repeat", json_object_new_int(s->repeat));
	json_object_object_add(o, "mbps", json_object_new_double(s->mbps));
	json_object_object_add(o, "cpu_util", json_object_new_double(s->cpu_util));
	json_object_object_add(o, "cpu_scaled_mbps", json_object_new_double(s->scaled));
	json_object_object_add(o, "contended", json_object_new_boolean(s->contended));
	if (!s->has_insn) {
		json_object_object_add(o, "insn_per_kb", NULL);
		return o;
	}
	json_object_object_add(o, "insn_per_kb", json_object_new_double(s->insn_per_kb));
	regs = json_object_new_object();
	for (i = 0; i < s->nr_regions; i++)
		json_object_object_add(regs, s->region[i], json_object_new_double(s->region_per_kb[i]));
	json_object_object_add(o, "regions", regs);
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : NULL;
}

static bool jnum(json_object *o, const char *key, double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

/* false: not a sample (the caller names the file) */
static bool sample_parse(json_object *o, struct sample *s)
{
	const char *c = jstr(o, "config"), *w = jstr(o, "workload"), *l = jstr(o, "launcher");
	json_object *regs, *b;
	double rep;

	memset(s, 0, sizeof(*s));
	if (!c || !w || !jnum(o, "cpu_scaled_mbps", &s->scaled) || !jnum(o, "repeat", &rep))
		return false;
	snprintf(s->config, sizeof(s->config), "%s", c);
	snprintf(s->workload, sizeof(s->workload), "%s", w);
	snprintf(s->launcher, sizeof(s->launcher), "%s", l ? l : "direct");
	s->repeat = (int)rep;
	jnum(o, "mbps", &s->mbps);
	jnum(o, "cpu_util", &s->cpu_util);
	s->contended = json_object_object_get_ex(o, "contended", &b) && json_object_get_boolean(b);
	s->has_insn = jnum(o, "insn_per_kb", &s->insn_per_kb);
	if (s->has_insn && json_object_object_get_ex(o, "regions", &regs) &&
	    json_object_is_type(regs, json_type_object)) {
		json_object_object_foreach(regs, name, val) {
			if (s->nr_regions == INSN_MAX_REGIONS)
				break;
			snprintf(s->region[s->nr_regions], INSN_NAME_LEN, "%s", name);
			s->region_per_kb[s->nr_regions++] = json_object_get_double(val);
		}
	}
	return true;
}

bool samples_parse(json_object *arr, struct samples *ss)
{
	size_t i;

	if (!arr || !json_object_is_type(arr, json_type_array) || !json_object_array_length(arr))
		return false;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct sample s;

		if (!sample_parse(json_object_array_get_idx(arr, i), &s))
			return false;
		samples_add(ss, &s);
	}
	return true;
}

/* --- the matrix: the options ------------------------------------------------------------ */

const char *file_options(json_object *root, struct testbed_opts *o)
{
	json_object *j;

	if (!json_object_object_get_ex(root, "options", &j) && !json_object_object_get_ex(root, "matrix", &j))
		return "no options";
	return options_parse(j, o);
}

static bool same_list(const char *const *a, int na, const char *const *b, int nb)
{
	int i, j;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]); j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

static void __attribute__((noreturn))
incompatible(const char *path, const char *what, const char *base, const char *now)
{
	die(EXIT_USAGE, "baseline %s is incompatible: it was measured with %s %s, this run asks for %s; drop the option, or measure a new baseline with --update-baseline",
	    path, what, base, now);
}

static char *list_text(const char *const *v, int n)
{
	char *s = xstrdup(""), *t;
	int i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", s, i ? "," : "", v[i]);
		free(s);
		s = t;
	}
	return s;
}

/* The options given must agree with the baseline's matrix, which then rules. */
void matrix_check(struct regress_opts *ro, const struct testbed_opts *b, const char *path)
{
	struct testbed_opts *o = &ro->o;
	char x[32], y[32];

	if (ro->given_configs && !same_list(b->configs, b->nr_configs, o->configs, o->nr_configs))
		incompatible(path, "--configs", list_text(b->configs, b->nr_configs),
			     list_text(o->configs, o->nr_configs));
	if (ro->given_workloads && !same_list(b->workloads, b->nr_workloads, o->workloads, o->nr_workloads))
		incompatible(path, "--workloads", list_text(b->workloads, b->nr_workloads),
			     list_text(o->workloads, o->nr_workloads));
#define CHECK_NUM(given, opt, bv, ov) do { \
		if ((given) && (bv) != (ov)) { \
			snprintf(x, sizeof(x), "%g", (double)(bv)); \
			snprintf(y, sizeof(y), "%g", (double)(ov)); \
			incompatible(path, opt, x, y); \
		} } while (0)
	CHECK_NUM(ro->given_repeats, "--repeats", b->repeats, o->repeats);
	CHECK_NUM(ro->given_duration, "--duration", b->duration_s, o->duration_s);
	CHECK_NUM(ro->given_warmup, "--warmup", b->warmup_s, o->warmup_s);
	CHECK_NUM(ro->given_cpus, "--cpus", b->cpus, o->cpus);
	CHECK_NUM(ro->given_mem, "--mem", b->mem_mb, o->mem_mb);
#undef CHECK_NUM
	if (ro->given_accel && b->accel != o->accel)
		incompatible(path, "--accel", accel_name(b->accel), accel_name(o->accel));
	if (o->nic_given && b->nic != o->nic)
		incompatible(path, "--nic", nic_name(b->nic), nic_name(o->nic));
	o->accel = b->accel;
	o->nic = b->nic;
	memcpy(o->configs, b->configs, sizeof(o->configs));
	o->nr_configs = b->nr_configs;
	memcpy(o->workloads, b->workloads, sizeof(o->workloads));
	o->nr_workloads = b->nr_workloads;
	o->repeats = b->repeats;
	o->duration_s = b->duration_s;
	o->warmup_s = b->warmup_s;
	o->cpus = b->cpus;
	o->mem_mb = b->mem_mb;
}

/* --- versions of everything measured --------------------------------------- */

static void hash_files(struct artifacts *a, const char *const *paths)
{
	char *argv[12] = { "sha256sum" }, *out = NULL, *line, *save;
	int n = 1, i;

	for (i = 0; i < a->nr; i++)
		if (paths[i] && file_exists(paths[i]))
			argv[n++] = (char *)paths[i];
	argv[n] = NULL;
	for (i = 0; i < a->nr; i++)
		snprintf(a->sha[i], sizeof(a->sha[i]), "absent");
	if (n == 1 || run_cmd(argv, &out, false, 60) != 0)
		goto out;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		for (sp++; *sp == ' ' || *sp == '*'; sp++)
			;
		for (i = 0; i < a->nr; i++)
			if (paths[i] && !strcmp(paths[i], sp))
				snprintf(a->sha[i], sizeof(a->sha[i]), "%s", line);
	}
out:
	free(out);
}

void read_artifacts(const struct testbed_opts *o, struct artifacts *a)
{
	char exe[4096], *repo = xstrdup(o->build_dir);
	char *git[] = { "git", "-C", dirname(repo), "describe", "--always", "--dirty", NULL };
	const char *paths[8];
	char *out = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	a->nr = 0;
#define ART(nm, p) do { a->name[a->nr] = nm; paths[a->nr++] = p; } while (0)
	ART("xen", o->paths.xen);
	ART("vmlinuz", o->paths.kernel);
	ART("native.img", o->paths.native_img);
	ART("dom0.img", o->paths.dom0_img);
	ART("qemu", o->paths.qemu);
	ART("insn_plugin", o->paths.insn_plugin);
	ART("tdh", exe);
#undef ART
	hash_files(a, paths);
	snprintf(a->commit, sizeof(a->commit), "unknown");
	if (run_cmd(git, &out, false, 10) == 0 && out && *out)
		snprintf(a->commit, sizeof(a->commit), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	free(repo);
	snprintf(a->libvirt, sizeof(a->libvirt), "%s", libvirt_version());
}

json_object *versions_json(const struct versions *v, const struct artifacts *a)
{
	json_object *o = versions_to_json(v), *arts = json_object_new_object();
	int i;

	for (i = 0; i < a->nr; i++)
		json_object_object_add(arts, a->name[i], json_object_new_string(a->sha[i]));
	json_object_object_add(o, "sha256", arts);
	json_object_object_add(o, "commit", json_object_new_string(a->commit));
	json_object_object_add(o, "libvirt", json_object_new_string(a->libvirt));
	return o;
}

/* The pinned stack must match; the project's own outputs are what is measured. */
static const char *const stack_keys[] = { "xen", "kernel", "qemu", "iperf3" };

void versions_check(json_object *bv, json_object *nv, const char *path, bool accept,
			   char *note, size_t note_len)
{
	json_object *bs, *ns;
	size_t used = 0;
	unsigned i;

	note[0] = '\0';
	for (i = 0; i < sizeof(stack_keys) / sizeof(stack_keys[0]); i++) {
		const char *b = jstr(bv, stack_keys[i]), *n = jstr(nv, stack_keys[i]);

		if (b && n && !strcmp(b, n))
			continue;
		if (!accept)
			die(EXIT_USAGE, "baseline %s is incompatible: it was measured with %s '%s', this build has '%s'; measure a new baseline with --update-baseline (or compare anyway with --accept-versions)",
			    path, stack_keys[i], b ? b : "?", n ? n : "?");
		used += snprintf(note + used, used < note_len ? note_len - used : 0, "%s%s %s -> %s",
				 used ? "; " : "", stack_keys[i], b ? b : "?", n ? n : "?");
	}
	if (!json_object_object_get_ex(bv, "sha256", &bs) || !json_object_object_get_ex(nv, "sha256", &ns))
		return;
	json_object_object_foreach(ns, name, val) {
		const char *b = jstr(bs, name);

		if (b && strcmp(b, json_object_get_string(val)))
			used += snprintf(note + used, used < note_len ? note_len - used : 0, "%s%s changed",
					 used ? "; " : "", name);
	}
}

/* --- files: the baseline, regress.json ------------------------------------------ */

json_object *load_json(const char *path, const char *schema, const char *old_schema, const char *what,
		       const char *fix)
{
	char *text = read_file(path, NULL);
	json_object *root, *v;

	if (!text)
		die(EXIT_USAGE, "cannot read %s %s: %s; %s", what, path, strerror(errno), fix);
	root = json_tokener_parse(text);
	free(text);
	if (!root || !json_object_is_type(root, json_type_object))
		die(EXIT_USAGE, "%s %s is not JSON; %s", what, path, fix);
	if (!json_object_object_get_ex(root, "schema", &v) ||
	    (strcmp(json_object_get_string(v), schema) &&
	     (!old_schema || strcmp(json_object_get_string(v), old_schema))))
		die(EXIT_USAGE, "%s %s has schema '%s', not %s; %s", what, path,
		    json_object_object_get_ex(root, "schema", &v) ? json_object_get_string(v) : "none",
		    schema, fix);
	return root;
}

void baseline_load(const char *path, struct baseline *b)
{
	const char *fix = "measure one with 'tdh regress --update-baseline'";
	json_object *samples;
	const char *why;
	int i;

	b->root = load_json(path, BASELINE_SCHEMA, BASELINE_SCHEMA_1, "baseline", fix);
	why = file_options(b->root, &b->opts);
	if (why)
		die(EXIT_USAGE, "baseline %s: its options are malformed (%s); %s", path, why, fix);
	if (!json_object_object_get_ex(b->root, "versions", &b->versions))
		die(EXIT_USAGE, "baseline %s records no versions; %s", path, fix);
	if (!json_object_object_get_ex(b->root, "samples", &samples) || !samples_parse(samples, &b->samples))
		die(EXIT_USAGE, "baseline %s: its samples are missing or malformed; %s", path, fix);
	for (i = 0; i < b->samples.nr; i++)
		if (b->opts.insn && !b->samples.s[i].has_insn)
			die(EXIT_USAGE, "baseline %s says it has instruction counts but sample %d has none; %s",
			    path, i + 1, fix);
}

bool write_json(const char *path, json_object *root)
{
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	char *dir = xstrdup(path);
	bool ok;

	mkdir_p(dirname(dir));
	free(dir);
	ok = write_file(path, text, strlen(text)) == 0;
	return ok;
}

json_object *samples_json(const struct samples *ss)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < ss->nr; i++)
		json_object_array_add(a, sample_json(&ss->s[i]));
	return a;
}

json_object *rule_json(void)
{
	static const char *const metrics[] = { "scaled", "insn", "insn:<region>" };
	json_object *o = json_object_new_object();
	unsigned i;

	for (i = 0; i < 3; i++) {
		json_object *r = json_object_new_object();
		struct rule rule;

		regress_rule(metrics[i], &rule);
		json_object_object_add(r, "threshold", json_object_new_double(rule.threshold));
		json_object_object_add(r, "confidence", json_object_new_double(rule.confidence));
		json_object_object_add(r, "spread_factor", json_object_new_double(rule.spread_factor));
		json_object_object_add(r, "resamples", json_object_new_int(rule.resamples));
		json_object_object_add(r, "higher_is_worse", json_object_new_boolean(rule.higher_is_worse));
		json_object_object_add(o, metrics[i], r);
	}
	json_object_object_add(o, "region_min_share", json_object_new_double(REGION_MIN_SHARE));
	return o;
}

static json_object *cmp_json(const struct cmp *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "launcher", json_object_new_string(c->launcher));
	json_object_object_add(o, "config", json_object_new_string(c->config));
	json_object_object_add(o, "workload", json_object_new_string(c->workload));
	json_object_object_add(o, "metric", json_object_new_string(c->metric));
	json_object_object_add(o, "judged", json_object_new_boolean(c->judged));
	json_object_object_add(o, "diagnostic", json_object_new_boolean(c->diagnostic));
	json_object_object_add(o, "n_base", json_object_new_int(c->nb));
	json_object_object_add(o, "n_now", json_object_new_int(c->nt));
	json_object_object_add(o, "excluded_contended", json_object_new_int(c->excluded));
	json_object_object_add(o, "too_contended", json_object_new_boolean(c->too_contended));
	json_object_object_add(o, "base_median", json_object_new_double(c->base_median));
	json_object_object_add(o, "now_median", json_object_new_double(c->now_median));
	json_object_object_add(o, "ratio", json_object_new_double(c->c.ratio));
	json_object_object_add(o, "ci_low", json_object_new_double(c->c.lo));
	json_object_object_add(o, "ci_high", json_object_new_double(c->c.hi));
	json_object_object_add(o, "threshold", json_object_new_double(c->rule.threshold));
	json_object_object_add(o, "base_spread", json_object_new_double(c->c.spread));
	json_object_object_add(o, "step", json_object_new_double(c->c.step));
	json_object_object_add(o, "change", json_object_new_string(change_name(c->c.change)));
	return o;
}

json_object *cmps_json(const struct cmp *c, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, cmp_json(&c[i]));
	return a;
}
