# expect: leave
# %rbp moved from another register: its value is not the frame's %rsp.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rax, %rbp
	leave
	rs_ret
