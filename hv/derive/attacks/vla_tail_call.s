# expect: stack pointer
# A tail call at a run-time depth: the callee's ret would not find the
# return address.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	cmpq	$256, %rdi
	ja	2f
	subq	%rdi, %rsp
	jmp	napi_gro_receive
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
