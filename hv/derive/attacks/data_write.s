# expect: __twin_pcpu_
# The instance's own writable data other than __twin_pcpu_ variables.
	.data
v:	.quad	0
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rax, v(%rip)
	ret
