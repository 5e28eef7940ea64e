/* SPDX-License-Identifier: GPL-2.0 */
/* The interface between the corpus (rewritten) and harness.c (not). */
#ifndef CORPUS_H
#define CORPUS_H

#define ARENA_PAGES 16

struct env {
	unsigned char *arena;	/* ARENA_PAGES pages, mapped in SVM */
	long nr;		/* a bit number for the bit-op tests */
	int rounds;		/* t_memheavy repetitions */
};

void twin_run(struct env *e);
unsigned long t_refuse(unsigned long *secret);
unsigned long t_deny(void);
unsigned long t_rowrite(unsigned int *p);
unsigned long t_alias(unsigned int *ro, unsigned int *alias);
unsigned long t_jumplabel_flip(void);
unsigned long t_warn(unsigned long x);
struct ops;
unsigned long t_badcall(struct ops *ops);

#endif
