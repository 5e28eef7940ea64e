# expect: indirect branch
# GAS takes "call %rax" as an indirect call (with a warning).
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	call	%rax
	ret
