# expect: instruction not allowed
# cli/sti are IOPL-sensitive (Zydis does not call them privileged).
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	cli
	sti
	ret
