# expect: stack operand
# A read 72 bytes above the return address: past the 64 bytes of stack
# arguments a function may read (for a root in Xen, twin_call's zeroes;
# above them, twin_call's own frame).
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	72(%rsp), %rax
	rs_ret
