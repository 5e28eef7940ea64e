/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the configuration as data.  Every option that changes what is
 * measured, as the typed "options" object of results.json, regress.json,
 * replay.json and baseline files (README.md, "results.json"), and read
 * back from them: tdh regress takes its matrix from a baseline's.
 */
#ifndef TDH_OPTIONS_H
#define TDH_OPTIONS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "testbed.h"

/* o with its accelerator resolved (o->accel and o->insn, see testbed_resolve()). */
json_object *options_json(const struct testbed_opts *o);
/*
 * The measured options of j into o (the rest of o untouched).  Also reads
 * the "matrix" object of tdh-regress/1 and tdh-baseline/1 files, a subset
 * with the same names: what it lacks is the default (no IOMMU, no trace,
 * the project's QEMU, no extra arguments), as regress then required.
 * NULL, or what is wrong (static text).
 */
const char *options_parse(json_object *j, struct testbed_opts *o);

/* A JSON array of strings, and back (at most max, each valid); -1 if malformed. */
json_object *strings_json(const char *const *v, int n);
int strings_parse(json_object *o, const char *key, const char **out, int max, bool (*valid)(const char *));

#endif
