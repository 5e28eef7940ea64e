# expect: popfq
# pushfq, %rsp moved up past its slot (then free: an interrupt may write
# it), then back down to it from a saved %rsp: popfq would pop whatever
# is there now.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	subq	$64, %rsp
	pushfq
	movq	%rsp, %rbx
	addq	$72, %rsp
	movq	%rbx, %rsp
	popfq
	leave
	rs_ret
