# expect: leave
# Two paths set the frame pointer at different depths: at the join %rbp
# is neither, and leave could leave %rsp 8 bytes off.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	testq	%rdi, %rdi
	je	1f
	movq	%rsp, %rbp
	subq	$8, %rsp
	jmp	2f
1:	subq	$8, %rsp
	movq	%rsp, %rbp
2:	leave
	rs_ret
