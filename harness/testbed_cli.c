// SPDX-License-Identifier: GPL-2.0
/*
 * The testbed's configurations and the command-line options every command
 * that boots shares (testbed.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt-launcher.h"
#include "testbed.h"
#include "util.h"

const struct config_desc config_table[] = {
	{ "native", MACHINE_NATIVE, "10.99.0.2", false, false, false, false },
	{ "dom0", MACHINE_XEN, "10.99.0.2", false, false, false, false },
	{ "twin-dom0", MACHINE_XEN, "10.99.0.2", false, true, false, false },
	{ "netback", MACHINE_XEN, "10.99.0.3", true, false, false, false },
	/* the paper's configuration: the domU's netfront served by Xen */
	{ "twin", MACHINE_XEN, "10.99.0.3", true, true, true, false },
	/* twin without Xen's receive coalescing: what GSO packets gain */
	{ "twin-frames", MACHINE_XEN, "10.99.0.3", true, true, true, true },
};

const int nr_config_table = sizeof(config_table) / sizeof(config_table[0]);

const struct config_desc *find_config(const char *name)
{
	int i;

	for (i = 0; i < nr_config_table; i++)
		if (!strcmp(config_table[i].name, name))
			return &config_table[i];
	return NULL;
}

void testbed_defaults(struct testbed_opts *o)
{
	o->duration_s = 10;
	o->warmup_s = 2;
	o->cpus = 2;
	o->mem_mb = 2048;
	o->accel = ACCEL_TCG;
	o->boot_timeout_s = 300;
	o->results_dir = "results/runs";
	o->paths.qemu = NULL;	/* default_paths: the project's own build */
}

void testbed_record_args(struct testbed_opts *o, int argc, char **argv)
{
	size_t used = 0;
	int i;

	for (i = 1; i < argc; i++)
		used += snprintf(o->args + used, used < sizeof(o->args) ? sizeof(o->args) - used : 0,
				 "%s%s", i > 1 ? " " : "", argv[i]);
}

int testbed_split_list(char *arg, const char **out, int max, const char *what,
		       bool (*valid)(const char *), const char *command)
{
	char *tok, *save;
	int n = 0, i;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (valid && !valid(tok))
			die(EXIT_USAGE, "unknown %s '%s'; see 'tdh %s --help'", what, tok, command);
		for (i = 0; i < n; i++)
			if (!strcmp(out[i], tok))
				die(EXIT_USAGE, "%s '%s' given twice", what, tok);
		if (n == max)
			die(EXIT_USAGE, "too many %ss (at most %d)", what, max);
		out[n++] = tok;
	}
	if (!n)
		die(EXIT_USAGE, "empty %s list; see 'tdh %s --help'", what, command);
	return n;
}

bool testbed_valid_config(const char *s)
{
	return find_config(s) != NULL;
}

bool testbed_valid_workload(const char *s)
{
	return !strcmp(s, "tx") || !strcmp(s, "rx");
}

void testbed_option(struct testbed_opts *o, int c, const char *optarg)
{
	long l;

	switch (c) {
	case 'd':
		if (!parse_double(optarg, 1, 3600, &o->duration_s))
			die(EXIT_USAGE, "--duration '%s': give seconds between 1 and 3600", optarg);
		break;
	case 'W':
		if (!parse_double(optarg, 0, 600, &o->warmup_s))
			die(EXIT_USAGE, "--warmup '%s': give seconds between 0 and 600", optarg);
		break;
	case 'C':
		if (!parse_int(optarg, 1, 8, &l))
			die(EXIT_USAGE, "--cpus '%s': give a whole number between 1 and 8", optarg);
		o->cpus = (int)l;
		break;
	case 'm':
		if (!parse_int(optarg, 1024, 16384, &l))
			die(EXIT_USAGE, "--mem '%s': give MB between 1024 and 16384", optarg);
		o->mem_mb = (int)l;
		break;
	case 'a':
		if (!strcmp(optarg, "tcg"))
			o->accel = ACCEL_TCG;
		else if (!strcmp(optarg, "kvm"))
			o->accel = ACCEL_KVM;
		else if (!strcmp(optarg, "auto"))
			o->accel = ACCEL_AUTO;
		else
			die(EXIT_USAGE, "--accel '%s': give tcg, kvm or auto", optarg);
		break;
	case 'I':
		if (!strcmp(optarg, "off"))
			o->iommu = IOMMU_OFF;
		else if (!strcmp(optarg, "intel"))
			o->iommu = IOMMU_INTEL;
		else if (!strcmp(optarg, "amd"))
			o->iommu = IOMMU_AMD;
		else
			die(EXIT_USAGE, "--iommu '%s': give intel, amd or off", optarg);
		break;
	case 'N':
		if (!strcmp(optarg, "e1000"))
			o->nic = NIC_E1000;
		else if (!strcmp(optarg, "e1000e"))
			o->nic = NIC_E1000E;
		else
			die(EXIT_USAGE, "--nic '%s': give e1000 or e1000e", optarg);
		o->nic_given = true;
		break;
	case 't':
		if (strcmp(optarg, "all") && strcmp(optarg, "dma") && strcmp(optarg, "iommu"))
			die(EXIT_USAGE, "--trace '%s': give all, dma or iommu", optarg);
		o->trace_group = optarg;
		break;
	case 'T':
		if (!parse_double(optarg, 5, 3600, &o->boot_timeout_s))
			die(EXIT_USAGE, "--boot-timeout '%s': give seconds between 5 and 3600", optarg);
		break;
	case 'o':
		o->results_dir = optarg;
		break;
	case 'q':
		o->paths.qemu = optarg;
		break;
	case 'S':
		o->paths.qemu = STOCK_QEMU;
		break;
	case 'P':
		o->no_plugin = true;
		break;
	case 'b':
		o->build_dir = optarg;
		break;
	case 'K':
		/* one command line: no quotes to survive, no newline to cut it */
		if (!*optarg || strpbrk(optarg, "\"'\n"))
			die(EXIT_USAGE, "--kernel-args '%s': give space-separated arguments, without quotes",
			    optarg);
		o->kernel_args = optarg;
		break;
	case 'X':
		if (!*optarg || strpbrk(optarg, "\"'\n,"))
			die(EXIT_USAGE, "--xen-args '%s': give space-separated arguments, without quotes or commas",
			    optarg);
		o->xen_args = optarg;
		break;
	case 'F':
		if (!strcmp(optarg, "auto"))
			o->xen_fpu = XEN_FPU_AUTO;
		else if (!strcmp(optarg, "lazy"))
			o->xen_fpu = XEN_FPU_LAZY;
		else if (!strcmp(optarg, "eager"))
			o->xen_fpu = XEN_FPU_EAGER;
		else
			die(EXIT_USAGE, "--xen-fpu '%s': give auto, lazy or eager", optarg);
		break;
	}
}

void testbed_bad_option(const char *command, char *const argv[])
{
	if (optopt && optopt != '?')
		die(EXIT_USAGE, "option '%s' needs a value; see 'tdh %s --help'",
		    argv[optind - 1], command);
	die(EXIT_USAGE, "unknown option '%s'; see 'tdh %s --help'", argv[optind - 1], command);
}

void testbed_usage(FILE *out)
{
	fprintf(out,
"  --duration S       measured seconds per run (default 10)\n"
"  --warmup S         seconds omitted at the start of each run (default 2)\n"
"  --cpus N           simulated CPUs (default 2)\n"
"  --mem MB           simulated memory (default 2048)\n"
"  --accel A          tcg, kvm or auto (default tcg; auto probes KVM with a boot)\n"
"  --nic N            the NIC: e1000 (an 82540EM, the default) or e1000e (an 82574L);\n"
"                     native Linux and dom0 run its driver\n"
"  --iommu I          an emulated IOMMU in front of the NIC: intel, amd or off (default off)\n"
"  --trace GROUP      trace the NIC (and the IOMMU) into e1000-<boot>.simpletrace:\n"
"                     all, dma (DMAs and packets) or iommu (those and translations)\n"
"  --boot-timeout S   give up on a boot after S seconds (default 300)\n"
"  --results DIR      where run folders go (default results/runs)\n"
"  --qemu PATH        QEMU binary (default: the project's, build/qemu/qemu-system-x86_64)\n"
"  --stock-qemu       Debian's QEMU (" STOCK_QEMU " on PATH) instead\n"
"  --no-plugin        no instruction accounting (default: on with the project's QEMU\n"
"                     under TCG, when build/qemu/plugins/" INSN_PLUGIN_SO " is built)\n"
"  --build DIR        build outputs (default: the build/ tdh was built in)\n"
"  --kernel-args A    more arguments for native Linux's and dom0's kernel, for debugging\n"
"                     (for example 'page_poison=1 slub_debug=FZP')\n"
"  --xen-args A       more arguments for Xen's command line (for example dom0_vcpus_pin)\n"
"  --xen-fpu M        how Xen switches FPU state: lazy (Xen's default here), eager\n"
"                     (spec-ctrl=eager-fpu) or auto (default: lazy with the project's\n"
"                     QEMU, eager with any other, whose TCG ignores CR0.TS for XSAVE)\n");
}

enum machine_kind testbed_machine_option(const char *arg)
{
	if (!strcmp(arg, "xen"))
		return MACHINE_XEN;
	if (!strcmp(arg, "native"))
		return MACHINE_NATIVE;
	die(EXIT_USAGE, "--machine '%s': give native or xen", arg);
}

const struct launcher *testbed_launcher(const char *spec, const char **uri)
{
	*uri = NULL;
	if (!strcmp(spec, "direct"))
		return &direct_launcher;
	if (!strcmp(spec, "libvirt") || !strncmp(spec, "libvirt:", 8)) {
		*uri = spec[7] == ':' ? spec + 8 : LIBVIRT_DEFAULT_URI;
		libvirt_check_uri(*uri);
		return &libvirt_launcher;
	}
	return NULL;
}

