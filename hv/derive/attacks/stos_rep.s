# expect: string instruction
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rep stosq
	rs_ret
