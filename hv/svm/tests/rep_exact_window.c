// SPDX-License-Identifier: GPL-2.0
/*
 * Attack on the bulk helpers: rep stosq and rep movsq that start inside
 * the reachable part of a page only partly the instance's (in Xen, the
 * stack page shared with Xen's own frames) and run past it.  Checking
 * the first qword is not enough: the helpers must refuse, and nothing
 * beyond the window may change.
 *
 * usage: rep_exact_window   exit 0 and "ok" when both are refused
 */
#include <sys/mman.h>

#include "svm.h"
#include "svm_user.h"

#define VA	0x20000000UL
#define SRC_VA	0x30000000UL
#define WINDOW	1024	/* the instance may reach [VA, VA + WINDOW) */

static int check(const char *what, const unsigned char *page)
{
	int i;

	if (!svm_disabled) {
		printf("%s: not refused\n", what);
		return 1;
	}
	for (i = WINDOW; i < (int)SVM_PAGE_SIZE; i++)
		if (page[i] != 0xee) {
			printf("%s: byte %d beyond the window written\n", what, i);
			return 1;
		}
	return 0;
}

int main(void)
{
	unsigned char *page = mmap(NULL, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *src = mmap(NULL, SVM_PAGE_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED || src == MAP_FAILED)
		return 2;
	memset(page, 0xee, SVM_PAGE_SIZE);
	memset(src, 0x11, SVM_PAGE_SIZE);
	if (svm_user_map_exact(VA, (u64)(unsigned long)page, VA, VA + WINDOW, true) ||
	    svm_user_map(SRC_VA, (u64)(unsigned long)src, SVM_PAGE_SIZE, false))
		return 2;

	svm_init();
	svm_rep_stos(VA + WINDOW - 64, 0, 64);	/* 512 bytes, 448 past */
	if (check("rep stosq", page))
		return 1;

	svm_flush();
	svm_init();
	svm_rep_movs(VA + WINDOW - 8, SRC_VA, 8);	/* 64 bytes, 56 past */
	if (check("rep movsq", page))
		return 1;

	/* inside the window both work */
	svm_flush();
	svm_init();
	svm_rep_movs(VA + 64, SRC_VA, 16);
	svm_rep_stos(VA + 256, 0x2222222222222222UL, 8);
	if (svm_disabled || page[64] != 0x11 || page[64 + 127] != 0x11 || page[256] != 0x22 ||
	    page[256 + 63] != 0x22 || page[256 + 64] != 0xee) {
		printf("inside the window: refused or wrong\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}
