# expect: executable section
	.include "shadow.inc"
	.section .text.rw, "awx", @progbits
	.globl	f
f:
	rs_push
	rs_ret
