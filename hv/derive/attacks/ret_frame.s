# expect: return address overwritten
# The same with a frame: the slot is 24(%rsp) after the pushes.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbx
	subq	$16, %rsp
	movq	%rdi, 24(%rsp)
	addq	$16, %rsp
	popq	%rbx
	rs_ret
