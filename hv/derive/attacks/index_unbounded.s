# expect: outside its SVM window
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	movq	(%r11,%rcx,8), %rax
	rs_ret
