# expect: bit offset unbounded
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movq	%rdi, %r11
	call	__svm_pw8_r11_r10
	btsq	%rcx, (%r11)
	ret
