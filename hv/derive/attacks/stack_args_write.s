# expect: stack operand
# A write to an argument passed on the stack: above the return address,
# the caller's frame (or, for a root, twin_call's zeroes), only read.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, 8(%rsp)
	rs_ret
