# expect: absolute memory operand
# A store to a driver-VM symbol written as an absolute operand.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, jiffies
	ret
