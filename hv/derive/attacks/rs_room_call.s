# expect: stack pointer
# A call whose return address lands past the checked room: one push and
# a call after checking 8 bytes (the call's slot alone).
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push	8
	pushq	%rbx
	call	g
	popq	%rbx
	rs_ret
	.globl	g
	.type	g, @function
g:
	rs_push	8
	rs_ret
