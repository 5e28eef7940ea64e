# expect: memory access not translated by SVM
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.pushsection .text.evil, "ax", @progbits
h:
	rs_push
	movq	%rdi, (%rsi)
	rs_ret
	.popsection
