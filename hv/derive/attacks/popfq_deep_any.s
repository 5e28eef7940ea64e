# expect: popfq
# Past the old 64-slot window, a popfq of a slot no pushfq wrote.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$3000, %rsp
	pushq	%rdi
	popfq
	addq	$3000, %rsp
	rs_ret
