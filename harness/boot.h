/* SPDX-License-Identifier: GPL-2.0 */
/* tdh boot: boot the testbed, run a command in it or hold it (boot.c). */
#ifndef TDH_BOOT_H
#define TDH_BOOT_H

int boot_main(int argc, char **argv);
int agent_main(int argc, char **argv);

#endif
