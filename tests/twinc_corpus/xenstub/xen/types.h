/* Stand-in for Xen 4.17's xen/types.h: only what hv/svm uses, so the test
 * proves svm.c needs nothing from Xen beyond these names. */
typedef unsigned long u64;
typedef unsigned int u32;
typedef _Bool bool;
#define true 1
#define false 0
