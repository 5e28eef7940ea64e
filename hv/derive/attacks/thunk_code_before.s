# expect: thunk
# Code in the thunks' section that belongs to no thunk.
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
	movq	%rdi, (%rsi)
	ret
	.text
	.globl	f
f:
	rs_push
	rs_ret
