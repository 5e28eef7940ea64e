# expect: indexed stack operand
# Widening happens only at the target of a branch back: the index is
# checked once, before the loop, and grows inside it; at the loop head
# its range is widened and the access in the loop has no bound.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$4000, %rsp
	xorl	%ecx, %ecx
	cmpq	$7, %rcx
	ja	2f
1:	movb	$0, 8(%rsp,%rcx)
	addq	$1, %rcx
	cmpq	%rdi, %rcx
	jb	1b
2:	addq	$4000, %rsp
	rs_ret
