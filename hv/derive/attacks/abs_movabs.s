# expect: absolute memory operand
# The moffs64 form: no ModRM, no base, a 64-bit address.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movabsq	%rax, 0xffff82d080000000
	rs_ret
