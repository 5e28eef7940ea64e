# expect: executable section
	.section .text.rw, "awx", @progbits
	.globl	f
f:	ret
