# expect: stack pointer
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	leaq	-8192(%rsp), %rsp
	leaq	8192(%rsp), %rsp
	rs_ret
