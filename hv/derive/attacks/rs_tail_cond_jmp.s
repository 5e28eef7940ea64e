# expect: return
# A conditional tail call with no pop unit around it.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	testq	%rdi, %rdi
	jne	g
	rs_ret
	.globl	g
	.type	g, @function
g:
	rs_push
	rs_ret
