# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	leaq	-8192(%rsp), %rsp
	leaq	8192(%rsp), %rsp
	ret
