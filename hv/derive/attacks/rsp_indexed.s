# expect: indexed stack operand
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	subq	$64, %rsp
	movq	%rax, 8(%rsp,%rcx,8)
	addq	$64, %rsp
	ret
