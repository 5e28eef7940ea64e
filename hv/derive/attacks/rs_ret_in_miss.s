# expect: return
# A plain ret in the out-of-line miss section.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	testq	%rdi, %rdi
	jne	.Lout
	rs_ret
	.section .text.twin_miss,"ax",@progbits
.Lout:	ret
