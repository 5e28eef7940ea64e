# expect: return
# The slot holding the caller's %rbp overwritten before leave pops it: %rbp
# at ret is not the caller's.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rdi, (%rsp)
	leave
	rs_ret
