# expect: executable section .init
# GAS makes .init executable without flags.
	.include "shadow.inc"
	.section .init
	.globl	f
f:	movq	%rdi, (%rsi)
	ret
