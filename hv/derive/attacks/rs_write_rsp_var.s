# expect: runtime variable
# Moving the shadow stack pointer by hand (back to an entry of our own).
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, __twin_rsp(%rip)
	rs_ret
