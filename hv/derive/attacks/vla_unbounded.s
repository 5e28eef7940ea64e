# expect: stack pointer
# A dynamic step of %rsp by an amount no check bounds: the frame could
# reach anywhere below.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	leaq	15(,%rdi,8), %rax
	andq	$-16, %rax
	subq	%rax, %rsp
	leave
	rs_ret
