# expect: stack pointer
# addq with a negative constant is a step down (GCC's 'addq $-128, %rsp'):
# one past the frame bound is refused like a subq.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	addq	$-0x100000, %rsp
	subq	$-0x100000, %rsp
	ret
