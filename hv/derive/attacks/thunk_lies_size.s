# expect: thunk
# A thunk named for 4096 bytes whose probe checked 8.
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
__svm_pr4096_r11_r10:
	movq	%r11, %r10
	shrq	$7, %r10
	andl	$131040, %r10d
	addq	__svm_tlbp(%rip), %r10
	subq	(%r10), %r11
	cmpq	$4088, %r11
	ja	1f
	addq	8(%r10), %r11
1:	ret
	.text
	.globl	f
f:
	rs_push
	rs_ret
