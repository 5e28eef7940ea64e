# expect: absolute memory operand
# The moffs64 form: no ModRM, no base, a 64-bit address.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movabsq	%rax, 0xffff82d080000000
	ret
