/* Stand-in for Xen 4.17's xen/lib.h (see types.h). */
void printk(const char *fmt, ...);
void panic(const char *fmt, ...);
#define XENLOG_WARNING "<1>"
