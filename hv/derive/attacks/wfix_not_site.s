# expect: fix-up table
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	nop
	ret
	.section .rodata.twin_wfix,"a",@progbits
	.quad	f+1, f
