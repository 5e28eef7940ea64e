# expect: memory access not translated by SVM
# A character constant '#' that a text reader takes for a comment.
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:	movb	$'#', %al ; movq %rdi, (%rsi)
	ret
