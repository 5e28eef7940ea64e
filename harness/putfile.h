/* SPDX-License-Identifier: GPL-2.0 */
/* tdh: a host file into a guest over the peer's network (putfile.c). */
#ifndef TDH_PUTFILE_H
#define TDH_PUTFILE_H

#include "agent.h"

/*
 * The guest fetches local from the peer with wget into remote and checks
 * its sha256; 0, or -1 (no network, a short copy, a dead agent).
 */
int peer_put_file(struct agent *a, const char *local, const char *remote, double timeout_s);

#endif
