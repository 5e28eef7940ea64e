# expect: fix-up table
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
.Lx:	nop
	rs_ret
	.section .rodata.twin_wfix,"a",@progbits
	.quad	.Lx, f
