# expect: popfq
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushfq
	movq	%rdi, (%rsp)
	popfq
	rs_ret
