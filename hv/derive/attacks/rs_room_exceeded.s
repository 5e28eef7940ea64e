# expect: stack pointer
# A frame deeper than the room the push unit checked against the stack's
# floor: 64 bytes allocated after checking 16.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push	16
	subq	$64, %rsp
	movq	%rdi, (%rsp)
	addq	$64, %rsp
	rs_ret
