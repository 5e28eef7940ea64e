# expect: memory access not translated by SVM
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
	.text 1
h:	movq	%rdi, (%rsi)
	ret
