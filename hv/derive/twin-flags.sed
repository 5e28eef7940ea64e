# kbuild's compile command for e1000_main.s -> the hypervisor instance's.
# Same layout-relevant flags; no ftrace, stack protector, retpolines,
# return thunks or SLS padding (see DESIGN.md, "The derivation").
s/ -pg -mrecord-mcount -mfentry -DCC_USING_FENTRY//
s/-fstack-protector-strong/-fno-stack-protector/
s/-mindirect-branch=thunk-extern/-mindirect-branch=keep/
s/-mfunction-return=thunk-extern/-mfunction-return=keep/
s/ -mindirect-branch-register//
s/ -mindirect-branch-cs-prefix//
s/ -mharden-sls=all//
s/ -fverbose-asm/ -g0/
s/-Wp,-MMD,[^ ]*//
# Calls between closure functions must follow the ABI: GCC's interprocedural
# register allocation keeps values in caller-saved registers across a call
# to a static function that does not touch them, and the rewritten callee
# does (its probes use scratch registers).  Seen: e1000_xmit_frame kept the
# adapter in %r10 across e1000_maybe_stop_tx.
s/ -fverbose-asm\| -g0/& -fno-ipa-ra/
