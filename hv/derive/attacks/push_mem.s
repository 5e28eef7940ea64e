# expect: stack pointer
# push of a memory operand: an access no probe checked (twinc rewrites
# pushq M into a translated movq; the verifier takes no push of memory).
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	(%rdi)
	popq	%rax
	ret
