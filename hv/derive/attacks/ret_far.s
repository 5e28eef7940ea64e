# expect: return
# The pop unit fused with a far return (lret, 0xcb: one bit away from
# ret), which Zydis also names RET: it pops a code segment selector from
# the caller's frame, as a return to user mode or a 32-bit segment would.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_pop
	lretl
