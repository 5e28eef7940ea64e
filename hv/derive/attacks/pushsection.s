# expect: memory access not translated by SVM
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	ret
	.pushsection .text.evil, "ax", @progbits
h:	movq	%rdi, (%rsi)
	ret
	.popsection
