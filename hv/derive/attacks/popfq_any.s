# expect: popfq
# popfq of any value: DF, AC, IF, TF.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rdi
	popfq
	rs_ret
