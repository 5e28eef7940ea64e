# expect: relocation
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	jiffies@GOTPCREL(%rip), %rax
	ret
