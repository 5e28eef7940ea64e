# expect: dispatch table
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.globl	g
	.type	g, @function
g:
	rs_push
	nop
.Lmid:
	nop
	nop
	nop
	rs_ret
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__g, .Lmid
	.quad	0, 0
