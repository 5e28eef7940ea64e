# expect: string instruction
# Two explicit memory operands.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movsw	(%rsi), (%rdi)
	ret
