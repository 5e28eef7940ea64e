# expect: thunk
# A thunk that leaves its bytes to return from elsewhere, unchecked.
	.section .text.twin_thunks,"ax",@progbits
__svm_pr8_r11_r10:
	jmp	elsewhere
	.text
elsewhere:
	ret
	.globl	f
f:	call	__svm_pr8_r11_r10
	movq	(%r11), %rax
	ret
