// SPDX-License-Identifier: GPL-2.0
/*
 * tdh: the options as data (options.h).  The names are the JSON keys;
 * README.md, "results.json", lists them with their meaning.
 */
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "util.h"

json_object *strings_json(const char *const *v, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int strings_parse(json_object *o, const char *key, const char **out, int max, bool (*valid)(const char *))
{
	json_object *a;
	size_t i;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    !json_object_array_length(a) || json_object_array_length(a) > (size_t)max)
		return -1;
	for (i = 0; i < json_object_array_length(a); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));

		if (!s || !valid(s))
			return -1;
		out[i] = xstrdup(s);
	}
	return (int)i;
}

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* Which QEMU: "project" (the default), "stock" (Debian's) or the --qemu path. */
static const char *qemu_kind(const struct testbed_opts *o)
{
	if (o->qemu_is_default)
		return "project";
	if (o->paths.qemu && !strcmp(o->paths.qemu, STOCK_QEMU))
		return "stock";
	return o->paths.qemu ? o->paths.qemu : "project";
}

json_object *options_json(const struct testbed_opts *o)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "configs", strings_json(o->configs, o->nr_configs));
	json_object_object_add(j, "workloads", strings_json(o->workloads, o->nr_workloads));
	json_object_object_add(j, "repeats", json_object_new_int(o->repeats));
	json_object_object_add(j, "duration_s", json_object_new_double(o->duration_s));
	json_object_object_add(j, "warmup_s", json_object_new_double(o->warmup_s));
	json_object_object_add(j, "cpus", json_object_new_int(o->cpus));
	json_object_object_add(j, "mem_mb", json_object_new_int(o->mem_mb));
	json_object_object_add(j, "accel", json_object_new_string(accel_name(o->accel)));
	json_object_object_add(j, "insn", json_object_new_boolean(o->insn));
	json_object_object_add(j, "iommu", json_object_new_string(iommu_name(o->iommu)));
	json_object_object_add(j, "nic", json_object_new_string(nic_name(o->nic)));
	json_object_object_add(j, "trace", string_or_null(o->trace_group));
	json_object_object_add(j, "qemu", json_object_new_string(qemu_kind(o)));
	json_object_object_add(j, "xen_fpu", json_object_new_string(o->eager_fpu ? "eager" : "lazy"));
	json_object_object_add(j, "kernel_args", string_or_null(o->kernel_args));
	json_object_object_add(j, "xen_args", string_or_null(o->xen_args));
	json_object_object_add(j, "fault_trace", string_or_null(o->fault_trace));
	json_object_object_add(j, "guest_mtu", o->guest_mtu ? json_object_new_int(o->guest_mtu) : NULL);
	return j;
}

/* A string value, copied; NULL when absent or null. */
static const char *jstring(json_object *j, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(j, key, &v) && json_object_is_type(v, json_type_string) ?
		xstrdup(json_object_get_string(v)) : NULL;
}

static bool jnumber(json_object *j, const char *key, double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(j, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

const char *options_parse(json_object *j, struct testbed_opts *o)
{
	double rep, cpus, mem, mtu = 0;
	const char *accel, *iommu, *fpu, *nic;
	json_object *insn;

	if (!j || !json_object_is_type(j, json_type_object))
		return "not an object";
	o->nr_configs = strings_parse(j, "configs", o->configs, MAX_CONFIGS, testbed_valid_config);
	o->nr_workloads = strings_parse(j, "workloads", o->workloads, MAX_WORKLOADS, testbed_valid_workload);
	if (o->nr_configs < 1 || o->nr_workloads < 1)
		return "configs or workloads missing or unknown";
	if (!jnumber(j, "repeats", &rep) || !jnumber(j, "duration_s", &o->duration_s) ||
	    !jnumber(j, "warmup_s", &o->warmup_s) || !jnumber(j, "cpus", &cpus) || !jnumber(j, "mem_mb", &mem))
		return "repeats, duration_s, warmup_s, cpus or mem_mb missing";
	o->repeats = (int)rep;
	o->cpus = (int)cpus;
	o->mem_mb = (int)mem;
	accel = jstring(j, "accel");
	if (!accel || (strcmp(accel, "tcg") && strcmp(accel, "kvm")))
		return "accel is not tcg or kvm";
	o->accel = strcmp(accel, "kvm") ? ACCEL_TCG : ACCEL_KVM;
	if (!json_object_object_get_ex(j, "insn", &insn) || !json_object_is_type(insn, json_type_boolean))
		return "insn missing";
	o->insn = json_object_get_boolean(insn);
	iommu = jstring(j, "iommu");
	o->iommu = !iommu || !strcmp(iommu, "off") ? IOMMU_OFF : !strcmp(iommu, "intel") ? IOMMU_INTEL :
		   !strcmp(iommu, "amd") ? IOMMU_AMD : -1;
	if ((int)o->iommu < 0)
		return "iommu is not off, intel or amd";
	/* records from before --nic had the e1000 */
	nic = jstring(j, "nic");
	o->nic = !nic || !strcmp(nic, "e1000") ? NIC_E1000 : !strcmp(nic, "e1000e") ? NIC_E1000E : -1;
	if ((int)o->nic < 0)
		return "nic is not e1000 or e1000e";
	o->trace_group = jstring(j, "trace");
	fpu = jstring(j, "xen_fpu");
	if (fpu && strcmp(fpu, "eager") && strcmp(fpu, "lazy"))
		return "xen_fpu is not eager or lazy";
	o->eager_fpu = fpu && !strcmp(fpu, "eager");
	o->kernel_args = jstring(j, "kernel_args");
	o->xen_args = jstring(j, "xen_args");
	o->fault_trace = jstring(j, "fault_trace");
	jnumber(j, "guest_mtu", &mtu);
	o->guest_mtu = (int)mtu;
	return NULL;
}
