# dom0's side of TwinDrivers: netback with its hook patch and the twin
# kernel module (the e1000 VM instance: e1000.mk; twinctl: guest/guest.mk).

# twin_upcalls.h: the policy's upcall ids, from twinc's manifest, as an
# X-macro list for the module's executor table.
TWIN_MOD_DIR := $(BUILD)/twin/module
TWIN_MOD     := $(TWIN_MOD_DIR)/twin.ko
TWIN_MOD_SRC := $(wildcard guest/twin/*.c guest/twin/*.h) guest/twin/Kbuild
TWIN_UPCALLS := $(TWIN_MOD_DIR)/twin_upcalls.h

$(TWIN_UPCALLS): $(TWIN_OUT)/manifest.json
	@mkdir -p $(@D)
	@{ echo '/* Generated from $< : do not edit. */'; \
	   echo '#define TWIN_UPCALLS \'; \
	   grep -o '"[A-Za-z0-9_]*": {"bind": "upcall", "id": [0-9]*' $< | \
		sed 's/^"\([^"]*\)".* \([0-9]*\)$$/\tX(\2, \1) \\/'; \
	   echo ''; } > $@.tmp
	@test $$(grep -c 'X(' $@.tmp) -ge 1 || { echo "error: no upcall bindings in $<" >&2; exit 1; }
	@mv $@.tmp $@

# xen-netback from the same linux-source, with guest/twin's hook patch
# (netback-twin.h: a connected vif's rings handed to Xen and taken back),
# built against the pinned headers; dom0's image runs it in place of
# Debian's.  Only the hand-over is added: netback's data path is unchanged.
NETBACK_SRC   := $(BUILD)/src/xen-netback
NETBACK_HOOKS := guest/twin/netback-twin-hooks.patch
NETBACK_DIR   := $(BUILD)/twin/netback
NETBACK_KO    := $(NETBACK_DIR)/xen-netback.ko

$(eval $(call linux_source_part,$(NETBACK_SRC),drivers/net/xen-netback,netback.c,$(NETBACK_HOOKS)))

$(NETBACK_KO): $(NETBACK_SRC)/.extracted $(KHDR)/Makefile
	@echo "  KBUILD  xen-netback.ko (with the twin hooks, $(KERNEL_FLAVOUR) headers)"
	@rm -rf $(NETBACK_DIR) && mkdir -p $(NETBACK_DIR)
	@cp $(NETBACK_SRC)/*.c $(NETBACK_SRC)/*.h $(NETBACK_SRC)/Makefile $(NETBACK_DIR)/
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(NETBACK_DIR)) CONFIG_XEN_NETDEV_BACKEND=m modules -j2 \
		> $(NETBACK_DIR)/kbuild.log 2>&1 || { cat $(NETBACK_DIR)/kbuild.log; exit 1; }

# Built like the e1000 VM instance, against the pinned headers, in a copy
# (kbuild writes beside its sources), with the patched e1000's headers and
# netback's hook header.
$(TWIN_MOD): $(TWIN_MOD_SRC) $(TWIN_UPCALLS) hv/xen/public/twin.h $(E1000_VM)/e1000.ko $(NETBACK_KO)
	@echo "  KBUILD  $@"
	@mkdir -p $(TWIN_MOD_DIR)/public
	@cp $(TWIN_MOD_SRC) $(TWIN_MOD_DIR)/
	@cp $(E1000_SRC)/e1000.h $(E1000_SRC)/e1000_hw.h $(E1000_SRC)/e1000_osdep.h $(TWIN_MOD_DIR)/
	@cp $(NETBACK_SRC)/netback-twin.h $(TWIN_MOD_DIR)/
	@cp hv/xen/public/twin.h $(TWIN_MOD_DIR)/public/
	@cp $(E1000_VM)/Module.symvers $(TWIN_MOD_DIR)/e1000.symvers
	@cp $(NETBACK_DIR)/Module.symvers $(TWIN_MOD_DIR)/netback.symvers
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(TWIN_MOD_DIR)) \
		KBUILD_EXTRA_SYMBOLS="$(abspath $(TWIN_MOD_DIR))/e1000.symvers $(abspath $(TWIN_MOD_DIR))/netback.symvers" \
		modules > $(TWIN_MOD_DIR)/kbuild.log 2>&1 || { cat $(TWIN_MOD_DIR)/kbuild.log; exit 1; }
