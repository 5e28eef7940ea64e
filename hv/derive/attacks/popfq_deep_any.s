# expect: popfq
# Past the old 64-slot window, a popfq of a slot no pushfq wrote.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	subq	$3000, %rsp
	pushq	%rdi
	popfq
	addq	$3000, %rsp
	ret
