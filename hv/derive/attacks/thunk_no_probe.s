# expect: thunk
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
__svm_pw8_r11_r10:
	ret
	.text
	.globl	f
f:
	rs_push
	call	__svm_pw8_r11_r10
	movq	%rdi, (%r11)
	rs_ret
