/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: what a run sets up (QEMU, the peer namespace, sockets, the lock) is
 * registered here as it is created and undone in reverse order on every
 * way out: success, failure, die() and Ctrl-C or SIGTERM.
 */
#ifndef TDH_CLEANUP_H
#define TDH_CLEANUP_H

#include <stdbool.h>

typedef void (*cleanup_fn)(void *arg);

/* Returns a handle for cleanup_run_one(). */
int cleanup_push(cleanup_fn fn, void *arg, const char *what);
/* Undo one registered step now (e.g. shut a QEMU down between boots). */
void cleanup_run_one(int handle);
/* Drop a registered step without running it (what it undoes is gone). */
void cleanup_forget(int handle);
void cleanup_all(void);

void cleanup_install_signals(void);
/* True once SIGINT, SIGTERM or SIGHUP arrived: long waits poll this. */
bool cleanup_interrupted(void);
/* The same, also while undoing: steps that would take long skip then. */
bool cleanup_signalled(void);
/* die() with the conventional status if a signal arrived. */
void cleanup_check_signal(void);

#endif
