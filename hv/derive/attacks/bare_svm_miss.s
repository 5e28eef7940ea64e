# expect: call target
# A bare call of an SVM entry point, outside a miss unit.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	$72
	pushq	%rdi
	call	__svm_miss
	addq	$16, %rsp
	movq	%rax, (%rdi)
	rs_ret
