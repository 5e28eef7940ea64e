// SPDX-License-Identifier: GPL-2.0
/*
 * Runs one csmith program (compiled with -Dmain=csmith_main), as GCC made
 * it or as twinc derived it (-DTWIN, linked with the user-space SVM
 * runtime).  Under TWIN the program's data, read-only data and stack are
 * mapped 1:1 in SVM, as the corpus harness does for its own.
 */
#ifdef TWIN
#include "svm_user.h"

extern char __data_start[], _end[], etext[];
#endif

int csmith_main(void);

int main(void)
{
#ifdef TWIN
	unsigned long sp = (unsigned long)__builtin_frame_address(0) & ~4095UL;

	svm_init();
	/* read-only first: the read-only range's last page is often the
	 * first page of .data, and the later mapping of a page wins */
	svm_user_map((unsigned long)etext, (unsigned long)etext,
		     (unsigned long)__data_start - (unsigned long)etext, false);
	svm_user_map((unsigned long)__data_start, (unsigned long)__data_start,
		     (unsigned long)_end - (unsigned long)__data_start + 4095, true);
	svm_user_map(sp - 1024 * 1024, sp - 1024 * 1024, 1032 * 1024, true);
#endif
	return csmith_main();
}
