# expect: stack pointer
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	xaddq	%rdi, %rsp
	rs_ret
