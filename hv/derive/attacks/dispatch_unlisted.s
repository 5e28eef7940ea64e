# expect: dispatch table
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__f, f
	.quad	0, 0
