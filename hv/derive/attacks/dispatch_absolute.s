# expect: dispatch table
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
	.globl	g
g:	ret
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__g, 0xffff82d080200000
	.quad	0, 0
