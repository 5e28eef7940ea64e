# expect: outside its SVM window
# 0xfffffffffffffff0(%r11) is -16 on the machine: before the window.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	movq	0xfffffffffffffff0(%r11), %rax
	rs_ret
