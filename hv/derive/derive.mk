# twinc and the derived hypervisor instances (hv/derive, hv/svm).
#
#   make twinc   the derivation tool, build/bin/twinc
#   make twin    for each driver (e1000, e1000e) the layout proof and
#                build/twin/DRIVER/: the derived assembly, object and
#                manifest.json
#
# A hypervisor instance is derived from the same patched source as dom0's
# VM instance (guest/twin/driver.mk), with kbuild's own command line for
# the fast path's file, captured from the VM instance's build.

TWINC        := $(BUILD)/bin/twinc
TWINC_SRC    := $(wildcard hv/derive/*.c) hv/derive/twinc.h hv/derive/objverify.h
TWINC_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Werror
TWIN_OUT     := $(BUILD)/twin/e1000
SVM_SRC      := hv/svm/svm.c hv/svm/svm_user.c hv/svm/svm_entry.S
# How the drivers are derived: every TLB probe counts its hits in __svm_hits, and
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

# $(call twin_derive,NAME,MAIN,KCONFIG): derive driver NAME's hypervisor
# instance from MAIN.c of its VM instance (guest/twin/driver.mk, KCONFIG
# its module's symbol) with hv/derive/NAME.policy, into $(BUILD)/twin/NAME/:
#   kbuild.cmd     kbuild's command for MAIN.s, captured from the VM build
#   twin.cmd       the hypervisor instance's (twin-flags.sed)
#   layout-members the layout proof (layout-check.sh)
#   NAME_twin.{s,o}, NAME_closure_orig.o, manifest.json   twinc's outputs
#   NAME_twin.o.accepted   the object's sha256 once the machine-code
#                  verifier (objverify.c, see README.md) accepted it; the
#                  payload build loads nothing that does not match it
define twin_derive
$(BUILD)/twin/$(1)/kbuild.cmd: $(BUILD)/twin/$(1)/vm/$(1).ko
	@rm -f $(BUILD)/twin/$(1)/vm/$(2).s
	@# without the caller's flags: under make -s, V=1 would print nothing
	@MAKEFLAGS= $$(MAKE) -C $(KHDR) M=$(abspath $(BUILD)/twin/$(1)/vm) $(3)=m $(2).s V=1 2>&1 | \
		grep -E '^ *gcc' | grep -- '-S ' | head -1 | sed 's/^ *//' > $$@.tmp
	@test -s $$@.tmp || { echo "error: could not capture kbuild's command for $(1)'s $(2).s" >&2; rm -f $$@.tmp; exit 1; }
	@mv $$@.tmp $$@

$(BUILD)/twin/$(1)/twin.cmd: $(BUILD)/twin/$(1)/kbuild.cmd hv/derive/twin-flags.sed
	@sed -f hv/derive/twin-flags.sed $$< | \
		sed 's# -o [^ ]*$(2)\.s # -o $(abspath $(BUILD)/twin/$(1))/$(2).s #' > $$@

$(BUILD)/twin/$(1)/$(2).s: $(BUILD)/twin/$(1)/twin.cmd
	@echo "  CC      $$@ (hypervisor-instance flags)"
	@cd $(KHDR) && sh $$(abspath $$<)

$(BUILD)/twin/$(1)/layout-members: $(BUILD)/twin/$(1)/kbuild.cmd $(BUILD)/twin/$(1)/twin.cmd \
		hv/derive/layout-check.sh
	@hv/derive/layout-check.sh $(KHDR) "$$$$(cat $(BUILD)/twin/$(1)/kbuild.cmd)" \
		"$$$$(cat $(BUILD)/twin/$(1)/twin.cmd)" $(abspath $(BUILD)/twin/$(1))

$(BUILD)/twin/$(1)/manifest.json: $(BUILD)/twin/$(1)/$(2).s $(BUILD)/twin/$(1)/layout-members \
		hv/derive/$(1).policy $(TWINC) hv/derive/derive.mk
	@echo "  TWINC   $(BUILD)/twin/$(1)/$(1)_twin.{s,o}, manifest.json"
	@$(TWINC) --quiet $(TWIN_FLAGS) --policy hv/derive/$(1).policy \
		-o $(BUILD)/twin/$(1)/$(1)_twin.s --obj $(BUILD)/twin/$(1)/$(1)_twin.o \
		--orig-obj $(BUILD)/twin/$(1)/$(1)_closure_orig.o \
		--manifest $$@ $(BUILD)/twin/$(1)/$(2).s

$(BUILD)/twin/$(1)/$(1)_twin.o.accepted: $(BUILD)/twin/$(1)/manifest.json $(TWINC) hv/derive/$(1).policy
	@echo "  VERIFY  $(BUILD)/twin/$(1)/$(1)_twin.o (machine code)"
	@rm -f $$@
	@$(TWINC) --policy hv/derive/$(1).policy --verify $(BUILD)/twin/$(1)/$(1)_twin.o
	@cd $(BUILD)/twin/$(1) && sha256sum $(1)_twin.o > $$(notdir $$@).tmp && mv $$(notdir $$@).tmp $$(notdir $$@)
endef

$(eval $(call twin_derive,e1000,e1000_main,CONFIG_E1000))
$(eval $(call twin_derive,e1000e,netdev,CONFIG_E1000E))

TWIN_ACCEPTED := $(TWIN_OUT)/e1000_twin.o.accepted
TWIN_E1000E   := $(BUILD)/twin/e1000e

# The SVM runtime as host objects (the tests link these).
$(BUILD)/twin/svm/libsvm_user.a: $(SVM_SRC) $(wildcard hv/svm/*.h)
	@mkdir -p $(@D)
	@for f in $(SVM_SRC); do \
		$(CC) -O2 -g -Wall -Werror -fno-pie -Ihv/svm -c $$f \
			-o $(@D)/$$(basename $$f | sed 's/\.[cS]$$/.o/') || exit 1; done
	@ar rcs $@ $(@D)/svm.o $(@D)/svm_user.o $(@D)/svm_entry.o

twin: $(TWIN_OUT)/manifest.json $(TWIN_ACCEPTED) $(BUILD)/twin/svm/libsvm_user.a \
		$(TWIN_E1000E)/manifest.json $(TWIN_E1000E)/e1000e_twin.o.accepted
	@for d in e1000 e1000e; do echo "$$d:"; \
		grep -E '"(sites_rewritten|non_stack_operands|lines_parsed|lines_total|code_growth|verified)"' \
			$(BUILD)/twin/$$d/manifest.json; done
.PHONY: twin

# The effort table (README.md, "Drivers and the effort they took"):
# per derived driver, its lines derived, its policy and hook patch.
effort: twin
	@hv/derive/effort.sh $(BUILD) $(KHDR)
.PHONY: effort
