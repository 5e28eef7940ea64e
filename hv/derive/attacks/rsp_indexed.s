# expect: indexed stack operand
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$64, %rsp
	movq	%rax, 8(%rsp,%rcx,8)
	addq	$64, %rsp
	rs_ret
