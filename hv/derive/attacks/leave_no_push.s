# expect: leave
# A frame pointer at the return address: leave would pop it into %rbp and
# return into the caller's frame.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rsp, %rbp
	leave
	ret
