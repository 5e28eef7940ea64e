# expect: popfq
# popfq of any value: DF, AC, IF, TF.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rdi
	popfq
	ret
