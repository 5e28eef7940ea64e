# expect: thunk
	.section .text.twin_thunks,"ax",@progbits
helper:	ret
	.text
	.globl	f
f:	ret
