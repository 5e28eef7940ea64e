# TwinDrivers testbed: one Makefile for everything.
#
#   make sim    set up the host, build, boot and measure; prints the table
#   make test   the whole test suite (pytest, real binaries, real boots)
#   make regress  the nightly regression matrix against the committed baseline
#   make mutants  every named fault-injection mutant as a payload (hv/faults)
#
# Outputs go to build/ (ignored); downloaded Debian sources and packages to
# $(CACHE), outside the repository, so a fresh clone rebuilds quickly.

CACHE   ?= /var/cache/twindrivers
BUILD   := build
JOBS    ?= $(shell nproc)
PYTHON  := /usr/bin/python3
SIM_ARGS ?=
REGRESS_ARGS ?=

include mk/pins.mk

HOST_DEPS := $(BUILD)/.host-deps

all: xen images tdh twin qemu twinmut
.PHONY: all FORCE
FORCE:

$(HOST_DEPS): scripts/host-deps.sh
	@scripts/host-deps.sh $@

host-deps: $(HOST_DEPS)
.PHONY: host-deps

include mk/debian.mk
include hv/xen.mk
include guest/twin/driver.mk
include guest/twin/e1000.mk
include guest/twin/e1000e.mk
include hv/derive/derive.mk
include guest/twin/twin.mk
include hv/payload/payload.mk
include hv/faults/faults.mk
include guest/guest.mk
include harness/harness.mk
include qemu-e1000-tracing/qemu.mk

sim: all
	$(BUILD)/bin/tdh sim $(SIM_ARGS)

# the nightly matrix against results/baselines/nightly.json (README,
# "Nightly regression"); make's status is 0 only without a regression
regress: all
	$(BUILD)/bin/tdh regress $(REGRESS_ARGS)

test: all
	@$(PYTHON) -m pytest -ra tests/; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

clean:
	rm -rf $(BUILD)
.PHONY: sim regress test clean
