# expect: return
# A dynamic step not undone from the frame pointer: ret at a run-time
# depth would take a local for the return address.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	cmpq	$256, %rdi
	ja	2f
	leaq	-16(%rsp), %rsp
	subq	%rdi, %rsp
	addq	$16, %rsp
	popq	%rbp
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
