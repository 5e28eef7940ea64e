# expect: not translated by SVM
# A translated pointer byte-swapped is no translated pointer.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	bswap	%r11
	movq	(%r11), %rax
	rs_ret
