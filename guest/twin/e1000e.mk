# dom0's e1000e (QEMU's -device e1000e, an 82574L): the VM instance
# (driver.mk), Debian's e1000e with e1000e-twin-hooks.patch.  Its fast
# path is netdev.c's; the other files (the MAC families, PHY, NVM,
# ethtool, PTP) are the slow path and stay in dom0.

E1000E_SRC  := $(BUILD)/src/e1000e
E1000E_VM   := $(BUILD)/twin/e1000e/vm

$(eval $(call twin_vm_driver,e1000e,drivers/net/ethernet/intel/e1000e,netdev,CONFIG_E1000E))
