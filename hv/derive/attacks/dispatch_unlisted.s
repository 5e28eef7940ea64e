# expect: dispatch table
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__f, f
	.quad	0, 0
