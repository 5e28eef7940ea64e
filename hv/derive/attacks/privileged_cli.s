# expect: instruction not allowed
# cli/sti are IOPL-sensitive (Zydis does not call them privileged).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	cli
	sti
	rs_ret
