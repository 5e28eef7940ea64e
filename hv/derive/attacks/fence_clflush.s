# expect: instruction not allowed
# clflush shares sfence's opcode (0f ae /7) with a memory operand: a cache flush of any address, never allowed
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	clflush	(%rsp)
	rs_ret
