# expect: stack pointer
# push of a memory operand: an access no probe checked (twinc rewrites
# pushq M into a translated movq; the verifier takes no push of memory).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	(%rdi)
	popq	%rax
	rs_ret
