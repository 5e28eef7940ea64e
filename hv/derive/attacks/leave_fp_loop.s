# expect: leave
# The frame pointer adjusted in a loop: %rbp is no longer %rsp at a known depth.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	movl	$100, %ecx
1:	subq	$8, %rbp
	decl	%ecx
	jnz	1b
	leave
	rs_ret
