# expect: memory access not translated by SVM
	.section ".text"
	.globl	f
f:	movq	%rdi, (%rsi)
	ret
