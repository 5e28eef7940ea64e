# expect: write through a read translation
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	movq	%rax, (%r11)
	rs_ret
