# expect: memory access not translated by SVM
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.text 1
h:
	rs_push
	movq	%rdi, (%rsi)
	rs_ret
