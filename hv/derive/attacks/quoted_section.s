# expect: memory access not translated by SVM
	.include "shadow.inc"
	.section ".text"
	.globl	f
f:
	rs_push
	movq	%rdi, (%rsi)
	rs_ret
