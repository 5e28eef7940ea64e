# expect: thunk
	.section .text.twin_thunks,"ax",@progbits
__svm_pw8_r11_r10:
	ret
	.text
	.globl	f
f:	call	__svm_pw8_r11_r10
	movq	%rdi, (%r11)
	ret
