# expect: thunk
# Code in the thunks' section that belongs to no thunk.
	.section .text.twin_thunks,"ax",@progbits
	movq	%rdi, (%rsi)
	ret
	.text
	.globl	f
f:	ret
