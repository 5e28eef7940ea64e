/* Stand-in for Xen 4.17's asm/processor.h (see ../xen/types.h). */
void dump_execution_state(void);
