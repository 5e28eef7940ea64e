# expect: symbol
# An alias into the middle of an instruction.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movabsq	$0x00000000c3d0ff41, %rax
	ret
	.globl	g2
	.set	g2, f+2
