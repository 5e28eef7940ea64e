# expect: instruction not allowed
# 0f ae /6 with a memory operand is xsaveopt, not mfence: writes the FPU state anywhere
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	xsaveopt	(%rsp)
	rs_ret
