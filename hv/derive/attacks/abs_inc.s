# expect: absolute memory operand
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	incq	0x2000
	rs_ret
