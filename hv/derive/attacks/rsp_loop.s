# expect: stack pointer
# %rsp moved in a loop: the depth differs at the loop head.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movl	$100, %ecx
1:	subq	$8, %rsp
	decl	%ecx
	jnz	1b
	rs_ret
