# expect: return
# A tail call out with a changed %rbp: the callee returns it to our caller.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %rbp
	rs_jmp	napi_gro_receive
