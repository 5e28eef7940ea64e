# expect: leave
# %rbp loaded from memory (here the stack) is no frame pointer.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	subq	$16, %rsp
	movq	%rdi, 8(%rsp)
	movq	8(%rsp), %rbp
	leave
	rs_ret
