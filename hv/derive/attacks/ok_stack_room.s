# expect: accepted
# Exactly the room a function uses: two pushes and a call's return
# address, 24 bytes.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push	24
	pushq	%rbx
	pushq	%rbp
	call	g
	popq	%rbp
	popq	%rbx
	rs_ret
	.globl	g
	.type	g, @function
g:
	rs_push	8
	rs_ret
