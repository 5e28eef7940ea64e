# expect: stack pointer
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbx
	rs_jmp	napi_gro_receive
