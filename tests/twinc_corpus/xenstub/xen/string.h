/* Stand-in for Xen 4.17's xen/string.h (see types.h). */
void *memset(void *s, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
