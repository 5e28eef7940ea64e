# expect: not translated by SVM
# A double shift into a translated pointer moves it anywhere.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	shldq	$12, %rsi, %r11
	movq	(%r11), %rax
	rs_ret
