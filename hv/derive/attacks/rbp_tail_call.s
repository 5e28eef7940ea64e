# expect: return
# A tail call out with a changed %rbp: the callee returns it to our caller.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, %rbp
	jmp	napi_gro_receive
