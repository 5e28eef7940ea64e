# expect: thunk
# A thunk that leaves its bytes to return from elsewhere, unchecked.
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
__svm_pr8_r11_r10:
	jmp	elsewhere
	.text
elsewhere:
	rs_push
	rs_ret
	.globl	f
f:
	rs_push
	call	__svm_pr8_r11_r10
	movq	(%r11), %rax
	rs_ret
