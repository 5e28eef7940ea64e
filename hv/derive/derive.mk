# twinc and the derived e1000 hypervisor instance (hv/derive, hv/svm).
#
#   make twinc   the derivation tool, build/bin/twinc
#   make twin    e1000 from Debian's linux-source (pinned), the VM instance
#                module, the layout proof, and build/twin/e1000/: the
#                derived assembly, object and manifest.json
#
# Only drivers/net/ethernet/intel/e1000/ is extracted from linux-source;
# the .deb stays in $(CACHE).  Both instances are built against the pinned
# headers, never `uname -r` (the host runs another kernel).

TWINC        := $(BUILD)/bin/twinc
TWINC_SRC    := $(wildcard hv/derive/*.c) hv/derive/twinc.h hv/derive/objverify.h
TWINC_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Werror
LINUX_SRC_DEB := $(CACHE)/debs/linux-source-6.1_$(KERNEL_VERSION)_all.deb
KHDR         := /usr/src/linux-headers-$(KERNEL_FLAVOUR)
E1000_SRC    := $(BUILD)/src/e1000
TWIN_OUT     := $(BUILD)/twin/e1000
E1000_VM     := $(TWIN_OUT)/vm
SVM_SRC      := hv/svm/svm.c hv/svm/svm_user.c hv/svm/svm_entry.S
# How e1000 is derived: every TLB probe counts its hits in __svm_hits, and
# every probe goes through a thunk, even in tight loops (e1000's are short
# and few: smaller code for two instructions per access there; see
# hv/derive/README.md, "Measured").
TWIN_FLAGS   := --count-hits --thunks all

$(TWINC): $(TWINC_SRC)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(TWINC_CFLAGS) -o $@ $(filter %.c,$^) -lZydis

twinc: $(TWINC)
.PHONY: twinc

$(LINUX_SRC_DEB): | $(HOST_DEPS)
	@echo "  FETCH   linux-source-6.1 $(KERNEL_VERSION)"
	@mkdir -p $(@D)
	@cd $(@D) && apt-get download -q=2 linux-source-6.1=$(KERNEL_VERSION) 2>/dev/null
	@test -f $@ || { echo "error: apt-get download linux-source-6.1=$(KERNEL_VERSION) failed" >&2; exit 1; }

# The source both instances come from carries guest/twin's hook patch: it
# only adds calls in the slow paths, so the fast path is the unmodified
# driver's and the layouts stay identical.
E1000_HOOKS := guest/twin/e1000-twin-hooks.patch

$(E1000_SRC)/.extracted: $(LINUX_SRC_DEB) $(E1000_HOOKS)
	@echo "  EXTRACT drivers/net/ethernet/intel/e1000"
	@rm -rf $(E1000_SRC) $(E1000_SRC).tmp && mkdir -p $(E1000_SRC).tmp
	@dpkg-deb --fsys-tarfile $< | tar -xO ./usr/src/linux-source-6.1.tar.xz | \
		xz -dc | tar -x -C $(E1000_SRC).tmp --strip-components=6 \
		--wildcards 'linux-source-6.1/drivers/net/ethernet/intel/e1000/*'
	@test -f $(E1000_SRC).tmp/e1000_main.c || { echo "error: e1000 not found in linux-source" >&2; exit 1; }
	@echo "  PATCH   $(E1000_HOOKS)"
	@patch -s -p1 -d $(E1000_SRC).tmp < $(E1000_HOOKS)
	@mv $(E1000_SRC).tmp $(E1000_SRC) && touch $@

$(KHDR)/Makefile: | $(HOST_DEPS)
	@test -f $@ || { echo "error: $(KHDR) missing: install linux-headers-$(KERNEL_FLAVOUR)=$(KERNEL_VERSION) (scripts/host-deps.sh)" >&2; exit 1; }

# The VM instance: e1000.ko with kbuild's own flags; and kbuild's exact
# command line for e1000_main.s, from which the twin flags are derived.
$(E1000_VM)/e1000.ko: $(E1000_SRC)/.extracted $(KHDR)/Makefile
	@echo "  KBUILD  e1000.ko (VM instance, $(KERNEL_FLAVOUR) headers)"
	@rm -rf $(E1000_VM) && mkdir -p $(E1000_VM)
	@cp $(E1000_SRC)/*.c $(E1000_SRC)/*.h $(E1000_SRC)/Makefile $(E1000_VM)/
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(E1000_VM)) CONFIG_E1000=m modules -j2 \
		> $(TWIN_OUT)/kbuild.log 2>&1 || { cat $(TWIN_OUT)/kbuild.log; exit 1; }

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
