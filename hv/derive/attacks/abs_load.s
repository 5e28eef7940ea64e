# expect: absolute memory operand
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	0x1000, %rax
	ret
