# expect: outside its SVM window
# A suffix-less %cl shift: GAS gives it 4 bytes, the probe checked 1.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr1_r11_r10
	shl	%cl, (%r11)
	rs_ret
