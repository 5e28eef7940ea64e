/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TDH_SIM_H
#define TDH_SIM_H

#include <stdio.h>

#include "testbed.h"

/* Parse 'tdh sim' options; die() with one line on anything wrong. */
void sim_parse(struct testbed_opts *o, int argc, char **argv);
int sim_run(struct testbed_opts *o);
void sim_usage(FILE *out);

#endif
