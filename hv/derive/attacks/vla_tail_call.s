# expect: stack pointer
# A tail call at a run-time depth: the callee's ret would not find the
# return address.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	cmpq	$256, %rdi
	ja	2f
	subq	%rdi, %rsp
	rs_jmp	napi_gro_receive
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
