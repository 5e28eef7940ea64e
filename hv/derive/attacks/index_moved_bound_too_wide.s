# expect: return address overwritten
# The moved index's bound one element too wide: index 9 writes the
# return address, just above the 72 bytes of locals.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$72, %rsp
	leaq	5(%rdi), %rdi
	cmpq	$9, %rdi
	ja	2f
	movq	%rax, 0(%rsp,%rdi,8)
	leaq	-5(%rdi), %rdi
2:	addq	$72, %rsp
	rs_ret
