/* SPDX-License-Identifier: GPL-2.0 */
/* tdh twin-check: the hypervisor instance's invariants (twincheck.c). */
#ifndef TDH_TWINCHECK_H
#define TDH_TWINCHECK_H

int twincheck_main(int argc, char **argv);

#endif
