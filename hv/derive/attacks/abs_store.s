# expect: absolute memory operand
# A store to a driver-VM symbol written as an absolute operand.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, jiffies
	rs_ret
