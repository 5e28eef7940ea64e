/* SPDX-License-Identifier: GPL-2.0 */
/* tdh replay: a fault file against one configuration (replay.c). */
#ifndef TDH_REPLAY_H
#define TDH_REPLAY_H

int replay_main(int argc, char **argv);

#endif
