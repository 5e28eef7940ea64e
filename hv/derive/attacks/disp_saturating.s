# expect: outside its SVM window
# 0xfffffffffffffff0(%r11) is -16 on the machine: before the window.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	movq	0xfffffffffffffff0(%r11), %rax
	ret
