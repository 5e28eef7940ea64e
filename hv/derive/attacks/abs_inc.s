# expect: absolute memory operand
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	incq	0x2000
	ret
