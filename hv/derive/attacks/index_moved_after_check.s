# expect: indexed stack operand
# The moved index, checked, then moved down again before the access: it
# may now reach below %rsp, and the verifier no longer knows its range.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$72, %rsp
	leaq	5(%rdi), %rdi
	cmpq	$8, %rdi
	ja	2f
	leaq	-6(%rdi), %rdi
	movq	%rax, 0(%rsp,%rdi,8)
2:	addq	$72, %rsp
	rs_ret
