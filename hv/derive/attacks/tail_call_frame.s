# expect: stack pointer
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	pushq	%rbx
	jmp	napi_gro_receive
