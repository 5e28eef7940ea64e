# expect: dispatch table
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_ret
	.globl	g
g:
	rs_push
	rs_ret
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__g, 0xffff82d080200000
	.quad	0, 0
