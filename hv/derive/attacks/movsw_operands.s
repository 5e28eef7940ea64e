# expect: string instruction
# Two explicit memory operands.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movsw	(%rsi), (%rdi)
	rs_ret
