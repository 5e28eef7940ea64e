# expect: indexed stack operand
# A branch around the move and the check into the access: on that path
# the index is whatever the caller passed.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$72, %rsp
	testq	%rsi, %rsi
	jne	1f
	leaq	5(%rdi), %rdi
	cmpq	$8, %rdi
	ja	2f
1:	movq	%rax, 0(%rsp,%rdi,8)
	leaq	-5(%rdi), %rdi
2:	addq	$72, %rsp
	rs_ret
