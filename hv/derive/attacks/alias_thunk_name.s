# expect: not translated by SVM
# A probe thunk's name given to a function that probes nothing.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	fake
	movq	(%r11), %rax
	rs_ret
	.globl	fake
	.type	fake, @function
fake:
	rs_push
	rs_ret
	.set	__svm_pr8_r10_r9, fake
