# expect: return
# A function that never records its return address, then pops an entry
# that is its caller's (the caller would return with no check left).
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:	xorl	%eax, %eax
	rs_ret
