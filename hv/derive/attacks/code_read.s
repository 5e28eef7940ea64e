# expect: code read as data
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	f(%rip), %rax
	rs_ret
