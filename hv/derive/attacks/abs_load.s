# expect: absolute memory operand
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	0x1000, %rax
	rs_ret
