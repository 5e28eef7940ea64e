# expect: indexed stack operand
# A signed check (jg) of the moved index: a negative index passes it and
# reaches below %rsp.  Only the unsigned ja bounds it from 0.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	subq	$72, %rsp
	leaq	5(%rdi), %rdi
	cmpq	$8, %rdi
	jg	2f
	movq	%rax, 0(%rsp,%rdi,8)
	leaq	-5(%rdi), %rdi
2:	addq	$72, %rsp
	rs_ret
