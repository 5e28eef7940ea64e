/* SPDX-License-Identifier: GPL-2.0 */
/* tdh machine: the machine a boot would start, rendered by a launcher (render.c). */
#ifndef TDH_RENDER_H
#define TDH_RENDER_H

int render_main(int argc, char **argv);

#endif
