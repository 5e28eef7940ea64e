# expect: not translated by SVM
# A probe thunk's name given to a function that probes nothing.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, %r11
	call	fake
	movq	(%r11), %rax
	ret
	.globl	fake
	.type	fake, @function
fake:	ret
	.set	__svm_pr8_r10_r9, fake
