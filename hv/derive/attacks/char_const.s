# expect: memory access not translated by SVM
# A character constant '#' that a text reader takes for a comment.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movb	$'#', %al ; movq %rdi, (%rsi)
	rs_ret
