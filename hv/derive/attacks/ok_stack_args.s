# expect: accepted
# The last of the 64 bytes of stack arguments, read from a frame 16 bytes
# deep, and the first.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbx
	pushq	%rbp
	movq	80(%rsp), %rax
	addq	24(%rsp), %rax
	popq	%rbp
	popq	%rbx
	rs_ret
