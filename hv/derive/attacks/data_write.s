# expect: __twin_pcpu_
# The instance's own writable data other than __twin_pcpu_ variables.
	.include "shadow.inc"
	.data
v:	.quad	0
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rax, v(%rip)
	rs_ret
