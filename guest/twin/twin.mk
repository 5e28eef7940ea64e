# dom0's side of TwinDrivers: netback with its hook patch and the twin
# kernel module (the e1000 VM instance: e1000.mk; twinctl: guest/guest.mk).

# twin_upcalls.h: each driver's policy upcall ids, from its twinc manifest,
# as an X-macro list for the module's executor tables (twin_ring.c).
TWIN_MOD_DIR := $(BUILD)/twin/module
TWIN_MOD     := $(TWIN_MOD_DIR)/twin.ko
TWIN_MOD_SRC := $(wildcard guest/twin/*.c guest/twin/*.h) guest/twin/Kbuild
TWIN_UPCALLS := $(TWIN_MOD_DIR)/twin_upcalls.h

$(TWIN_UPCALLS): $(TWIN_OUT)/manifest.json $(TWIN_E1000E)/manifest.json
	@mkdir -p $(@D)
	@{ echo '/* Generated from the drivers'"'"' manifests: do not edit. */'; \
	   for d in e1000 e1000e; do \
	   echo "#define TWIN_UPCALLS_$$(echo $$d | tr a-z A-Z) \\"; \
	   grep -o '"[A-Za-z0-9_]*": {"bind": "upcall", "id": [0-9]*' $(BUILD)/twin/$$d/manifest.json | \
		sed 's/^"\([^"]*\)".* \([0-9]*\)$$/\tX(\2, \1) \\/'; \
	   echo ''; done; } > $@.tmp
	@test $$(grep -c 'X(' $@.tmp) -ge 2 || { echo "error: no upcall bindings in the manifests" >&2; exit 1; }
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

# Built like the drivers' VM instances, against the pinned headers, in a
# copy (kbuild writes beside its sources), with each patched driver's
# headers in a folder of its own (both name their adapter struct
# e1000_adapter: twin_e1000.c and twin_e1000e.c each see one) and
# netback's hook header.  The drivers' hook pointers are found with
# symbol_get() when a device of theirs is attached, so the module loads
# with either driver alone.
$(TWIN_MOD): $(TWIN_MOD_SRC) $(TWIN_UPCALLS) hv/xen/public/twin.h $(E1000_VM)/e1000.ko \
		$(E1000E_VM)/e1000e.ko $(NETBACK_KO)
	@echo "  KBUILD  $@"
	@rm -rf $(TWIN_MOD_DIR)/e1000 $(TWIN_MOD_DIR)/e1000e
	@mkdir -p $(TWIN_MOD_DIR)/public $(TWIN_MOD_DIR)/e1000 $(TWIN_MOD_DIR)/e1000e
	@cp $(TWIN_MOD_SRC) $(TWIN_MOD_DIR)/
	@cp $(E1000_SRC)/*.h $(TWIN_MOD_DIR)/e1000/
	@cp $(E1000E_SRC)/*.h $(TWIN_MOD_DIR)/e1000e/
	@cp $(NETBACK_SRC)/netback-twin.h $(TWIN_MOD_DIR)/
	@cp hv/xen/public/twin.h $(TWIN_MOD_DIR)/public/
	@cat $(E1000_VM)/Module.symvers $(E1000E_VM)/Module.symvers > $(TWIN_MOD_DIR)/drivers.symvers
	@cp $(NETBACK_DIR)/Module.symvers $(TWIN_MOD_DIR)/netback.symvers
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(TWIN_MOD_DIR)) \
		KBUILD_EXTRA_SYMBOLS="$(abspath $(TWIN_MOD_DIR))/drivers.symvers $(abspath $(TWIN_MOD_DIR))/netback.symvers" \
		modules > $(TWIN_MOD_DIR)/kbuild.log 2>&1 || { cat $(TWIN_MOD_DIR)/kbuild.log; exit 1; }
