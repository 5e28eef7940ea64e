# expect: stack pointer
# addq with a negative constant is a step down (GCC's 'addq $-128, %rsp'):
# one past the frame bound is refused like a subq.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	addq	$-0x100000, %rsp
	subq	$-0x100000, %rsp
	rs_ret
