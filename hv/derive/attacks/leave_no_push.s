# expect: leave
# A frame pointer at the return address: leave would pop it into %rbp and
# return into the caller's frame.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rsp, %rbp
	leave
	rs_ret
