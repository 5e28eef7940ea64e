# twinc and the derived e1000 hypervisor instance (hv/derive, hv/svm).
#
#   make twinc   the derivation tool, build/bin/twinc
#   make twin    the layout proof and build/twin/e1000/: the derived
#                assembly, object and manifest.json
#
# The hypervisor instance is derived from the same patched e1000 source as
# dom0's VM instance (guest/twin/e1000.mk), with kbuild's own command line
# for e1000_main.s, captured from the VM instance's build.

TWINC        := $(BUILD)/bin/twinc
TWINC_SRC    := $(wildcard hv/derive/*.c) hv/derive/twinc.h hv/derive/objverify.h
TWINC_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Werror
TWIN_OUT     := $(BUILD)/twin/e1000
SVM_SRC      := hv/svm/svm.c hv/svm/svm_user.c hv/svm/svm_entry.S
# How e1000 is derived: every TLB probe counts its hits in __svm_hits, and
# every probe goes through a thunk, even in tight loops (e1000's are short
# and few: smaller code for two instructions per access there; see
# hv/derive/README.md, "Measured").
TWIN_FLAGS   := --count-hits --thunks all

$(TWINC): $(TWINC_SRC) | $(HOST_DEPS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(TWINC_CFLAGS) -o $@ $(filter %.c,$^) -lZydis

twinc: $(TWINC)
.PHONY: twinc

$(TWIN_OUT)/kbuild.cmd: $(E1000_VM)/e1000.ko
	@rm -f $(E1000_VM)/e1000_main.s
	@# without the caller's flags: under make -s, V=1 would print nothing
	@MAKEFLAGS= $(MAKE) -C $(KHDR) M=$(abspath $(E1000_VM)) CONFIG_E1000=m e1000_main.s V=1 2>&1 | \
		grep -E '^ *gcc' | grep -- '-S ' | head -1 | sed 's/^ *//' > $@.tmp
	@test -s $@.tmp || { echo "error: could not capture kbuild's command for e1000_main.s" >&2; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

$(TWIN_OUT)/twin.cmd: $(TWIN_OUT)/kbuild.cmd hv/derive/twin-flags.sed
	@sed -f hv/derive/twin-flags.sed $< | \
		sed 's# -o [^ ]*e1000_main\.s # -o $(abspath $(TWIN_OUT))/e1000_main.s #' > $@

$(TWIN_OUT)/e1000_main.s: $(TWIN_OUT)/twin.cmd
	@echo "  CC      $@ (hypervisor-instance flags)"
	@cd $(KHDR) && sh $(abspath $<)

$(TWIN_OUT)/layout-members: $(TWIN_OUT)/kbuild.cmd $(TWIN_OUT)/twin.cmd hv/derive/layout-check.sh
	@hv/derive/layout-check.sh $(KHDR) "$$(cat $(TWIN_OUT)/kbuild.cmd)" \
		"$$(cat $(TWIN_OUT)/twin.cmd)" $(abspath $(TWIN_OUT))

$(TWIN_OUT)/manifest.json: $(TWIN_OUT)/e1000_main.s $(TWIN_OUT)/layout-members \
		hv/derive/e1000.policy $(TWINC) hv/derive/derive.mk
	@echo "  TWINC   $(TWIN_OUT)/e1000_twin.{s,o}, manifest.json"
	@$(TWINC) --quiet $(TWIN_FLAGS) --policy hv/derive/e1000.policy \
		-o $(TWIN_OUT)/e1000_twin.s --obj $(TWIN_OUT)/e1000_twin.o \
		--orig-obj $(TWIN_OUT)/e1000_closure_orig.o \
		--manifest $@ $(TWIN_OUT)/e1000_main.s

# The object that is loaded, checked on its machine code by the independent
# verifier (objverify.c, see README.md); the stamp holds the object's
# sha256, and the payload build loads nothing that does not match it.
TWIN_ACCEPTED := $(TWIN_OUT)/e1000_twin.o.accepted

$(TWIN_ACCEPTED): $(TWIN_OUT)/manifest.json $(TWINC) hv/derive/e1000.policy
	@echo "  VERIFY  $(TWIN_OUT)/e1000_twin.o (machine code)"
	@rm -f $@
	@$(TWINC) --policy hv/derive/e1000.policy --verify $(TWIN_OUT)/e1000_twin.o
	@cd $(TWIN_OUT) && sha256sum e1000_twin.o > $(notdir $@).tmp && mv $(notdir $@).tmp $(notdir $@)

# The SVM runtime as host objects (the tests link these).
$(BUILD)/twin/svm/libsvm_user.a: $(SVM_SRC) $(wildcard hv/svm/*.h)
	@mkdir -p $(@D)
	@for f in $(SVM_SRC); do \
		$(CC) -O2 -g -Wall -Werror -fno-pie -Ihv/svm -c $$f \
			-o $(@D)/$$(basename $$f | sed 's/\.[cS]$$/.o/') || exit 1; done
	@ar rcs $@ $(@D)/svm.o $(@D)/svm_user.o $(@D)/svm_entry.o

twin: $(TWIN_OUT)/manifest.json $(TWIN_ACCEPTED) $(BUILD)/twin/svm/libsvm_user.a
	@grep -E '"(sites_rewritten|non_stack_operands|lines_parsed|lines_total|code_growth|verified)"' $<
.PHONY: twin
