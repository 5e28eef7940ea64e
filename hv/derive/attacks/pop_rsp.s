# expect: stack pointer
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rdi
	popq	%rsp
	rs_ret
