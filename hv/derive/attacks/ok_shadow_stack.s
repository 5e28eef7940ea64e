# expect: accepted
# The shadow return stack as twinc derives it: a push unit at each
# function's entry, a pop unit fused with each ret and tail call, a
# conditional tail call split around its pop unit, a call in between.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	testq	%rdi, %rdi
	jne	1f
	rs_jmp	g
1:	pushq	%rbx
	call	g
	popq	%rbx
	cmpq	$3, %rax
	je	2f
	rs_jmp	napi_gro_receive
2:	rs_ret
	.globl	g
	.type	g, @function
g:
	rs_push
	xorl	%eax, %eax
	rs_ret
