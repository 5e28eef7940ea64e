# expect: symbol
# An alias into the middle of an instruction.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movabsq	$0x00000000c3d0ff41, %rax
	rs_ret
	.globl	g2
	.set	g2, f+2
