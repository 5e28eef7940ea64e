# expect: dispatch table
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
	.globl	g
	.type	g, @function
g:	nop
	nop
	nop
	nop
	ret
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__g, g+3
	.quad	0, 0
