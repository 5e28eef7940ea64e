# expect: executable section .init
# GAS makes .init executable without flags.
	.section .init
	.globl	f
f:	movq	%rdi, (%rsi)
	ret
