# SPDX-License-Identifier: GPL-2.0
#
# The jobs of make check, one target per job. selftests/check builds the
# tools and tests, then runs
#
#   make -f selftests/check.mk -j$(nproc) -k -Otarget check-jobs
#
# and tallies the logs. A job named GROUP.NAME (GROUP is a kernel, or "peer"
# and "install" for the two host stages) writes its output to
# build/check/GROUP.NAME.log and "STATUS SECONDS" to build/check/GROUP.NAME.rc,
# then prints the log whole and exits with the status.
#
# A guest under TCG keeps one host core busy, so -j$(nproc) runs one VM per
# core. make -j starts the prerequisites of check-jobs in the order listed
# (below), skipping those whose own prerequisites are not done yet: the
# debug kernel builds while the Debian kernels' suites run, and the debug
# jobs start as soon as it is built. When a build fails, -k skips
# the jobs that need it and runs the others.
#
# One job alone (after make tools tests), e.g.:
#   make -f selftests/check.mk debian-6.12.tpm
#
# Environment: CLONEDEV_KERNELS, CLONEDEV_CHECK_SUITES, CLONEDEV_DEBUG_SHARDS,
# CLONEDEV_CRASH_ROUNDS, CLONEDEV_VM_TIMEOUT (see selftests/check).

SHELL := /bin/bash
TOP   := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
L     := $(TOP)/build/check

CLONEDEV_KERNELS      ?= debian-6.1 debian-6.12 debug
CLONEDEV_CHECK_SUITES ?=
CLONEDEV_DEBUG_SHARDS ?= 3
CLONEDEV_CRASH_ROUNDS ?= 3

# A "#" in a recipe variable (a bare one starts a comment).
hash := \#

kernels := $(CLONEDEV_KERNELS)
debian  := $(filter-out debug,$(kernels))
debug   := $(filter debug,$(kernels))
first   := $(firstword $(kernels))

# The debug kernel's suites are shared out over several boots
# (run-tests --shard), unless only a few suites were asked for.
shards  := $(if $(strip $(CLONEDEV_CHECK_SUITES)),1,$(CLONEDEV_DEBUG_SHARDS))
# The TPM boots, unless CLONEDEV_CHECK_SUITES leaves both TPM suites out.
tpm     := $(if $(strip $(CLONEDEV_CHECK_SUITES)),$(if $(filter \
	%tpm_test %tpm_test.sh %anchor_test %anchor_test.sh,$(CLONEDEV_CHECK_SUITES)),yes),yes)

# The short robustness lane (make stress's programs, briefly), unless
# CLONEDEV_CHECK_SUITES picks suites.
lane    := $(if $(strip $(CLONEDEV_CHECK_SUITES)),,yes)

# The order make -j starts them in: the debug kernel's build (the longest
# job, which every debug job waits for) beside the Debian kernels' builds
# and suites, then the debug kernel's suites and the rest, longest first.
# The builds are listed themselves: make goes down this list once, and a
# job whose build is still running when make reaches it waits for the
# next pass, after every job that was ready. The runner's
# self-test boots without clonedev and runs on the Debian kernels only: on
# the debug kernel its boots alone would take minutes, and the debug
# kernel's report scanning is the same code.
jobs := \
	$(if $(debug),debug.build) $(addsuffix .build,$(debian)) \
	$(addsuffix .tests,$(debian)) \
	$(if $(debug),$(foreach i,$(shell seq $(shards) -1 1),debug.tests-$(i)-of-$(shards)) \
		$(if $(lane),debug.stress) debug.crash) \
	$(addsuffix .crash,$(debian)) \
	$(if $(tpm),$(addsuffix .tpm,$(debug) $(debian))) \
	$(addsuffix .runner-self-test,$(debian)) \
	$(addsuffix .config,$(kernels)) \
	peer.selftest peer.ped install.test $(if $(lane),fuzz.user)

builds := $(addsuffix .build,$(kernels))

.PHONY: check-jobs $(sort $(jobs) $(builds))
check-jobs: $(jobs)

# Every VM job of a kernel needs its module and initramfs (and, for debug,
# the kernel itself).
$(foreach k,$(kernels),$(eval $(filter-out $(k).build,$(filter $(k).%,$(jobs))): $(k).build))

# The job's kernel: debian-6.1.tests -> debian-6.1.
k = $(basename $@)

# run-job: runs $(CMD) for the job $@ in the repository root, in a subshell
# (an exit in CMD ends only CMD), as described at the top.
define run-job
@mkdir -p $(L); cd $(TOP); s=$$(date +%s); \
( $(CMD) ) >$(L)/$@.log 2>&1 </dev/null; rc=$$?; \
t=$$(($$(date +%s) - s)); echo "$$rc $$t" >$(L)/$@.rc; \
echo "== $@: $$t s$$([ $$rc = 0 ] || echo ", exit status $$rc")"; \
cat $(L)/$@.log; exit $$rc
endef

$(filter-out $(builds),$(jobs)):
	$(run-job)

# + : the module build is a make of its own, in this make's jobserver.
$(builds):
	+$(run-job)

# Module and initramfs; for debug the kernel first (cached outside the
# tree, see selftests/vm/build-debug-kernel).
%.build: CMD = $(if $(filter debug,$(k)),selftests/vm/build-debug-kernel >/dev/null &&) \
	$(MAKE) --no-print-directory -s module KERNEL=$(k) && \
	selftests/vm/mkinitramfs $(k)

# Every suite in one boot; on the debug kernel, shard I of N.
%.tests: CMD = CLONEDEV_VM_TIMEOUT=$${CLONEDEV_VM_TIMEOUT:-3600} \
	selftests/vm/run --kernel $(k) -- selftests/run-tests $(CLONEDEV_CHECK_SUITES)
debug.tests-%: CMD = CLONEDEV_VM_TIMEOUT=$${CLONEDEV_VM_TIMEOUT:-3600} \
	selftests/vm/run --kernel debug -- selftests/run-tests \
	--shard $$(($(word 2,$(subst -, ,$@)) - 1))/$(shards) $(CLONEDEV_CHECK_SUITES)

# Reboots on a persistent disk and crash rounds: CLONEDEV_CRASH_ROUNDS on
# the debug kernel (without the two killed clones at the end, minutes
# there) and the first kernel, one on the others.
%.crash: CMD = selftests/crash_test --kernel $(k) --rounds \
	$(if $(filter debug $(first),$(k)),$(CLONEDEV_CRASH_ROUNDS),1) \
	$(if $(filter debug,$(k)),--no-final-clones)

# The short lane of make stress on the debug kernel, in one boot: the
# ioctl and netlink fuzzer (20,000 requests), the clone-message fuzzer
# (300 runs) and the concurrency storm (32 threads, 60 s), their
# defaults.
debug.stress: CMD = CLONEDEV_VM_TIMEOUT=$${CLONEDEV_VM_TIMEOUT:-1800} \
	selftests/vm/run --kernel debug -- selftests/run-tests \
	build/selftests/ioctl_fuzz_test build/selftests/clone_fuzz_test \
	build/selftests/storm_test

# The user-space fuzzers, 30 s each (host).
fuzz.user: CMD = $(MAKE) --no-print-directory -s fuzz && selftests/fuzz/run 30

# The TPM suites with a fresh swtpm state and disk: three boots on the same
# disk, the first two with the same TPM state (the second sees what the
# first left in the TPM and on disk), the third without a TPM (an anchored
# store is refused). The state is kept when a boot fails. On the debug
# kernel only the first boot: it runs both suites' kernel paths (sealing,
# anchoring, the TPM commands) under KASAN and lockdep; the later boots
# check what persists across a reboot, which the Debian kernels check.
%.tpm: CMD = d=$(L)/tpm-$(k); rm -rf $$d; rc=0; \
	n=$(if $(filter debug,$(k)),1,3); \
	for b in $$(seq $$n); do \
		t=(--tpm $$d/swtpm); [ $$b = 3 ] && t=(); \
		echo "$(hash) boot $$b of $$n on the same disk$${t[*]:+ and TPM state}"; \
		selftests/vm/run --kernel $(k) "$${t[@]}" --disk $$d/disk.img -- \
			selftests/run-tests selftests/tpm_test.sh \
			selftests/anchor_test.sh || rc=1; \
	done; [ $$rc != 0 ] || rm -rf $$d; [ $$rc = 0 ]

%.runner-self-test: CMD = selftests/vm/selftest --kernel $(k)

# The kernel has every option of selftests/config (host side).
%.config: CMD = selftests/vm/config-check $(k)

# The second implementation of the cloning protocols against itself and
# its test vectors: user space only, so once, on the host.
peer.selftest: CMD = selftests/peer/selftest.sh

# The second implementation of the remote PED channel (selftests/ped),
# against itself and clonedev-pedserver, with its test vectors: the host.
peer.ped: CMD = selftests/ped/selftest.sh

# libclonedev as an application gets it: a staged make install-user and the
# example built against it with pkg-config (host, no root).
install.test: CMD = selftests/install_test.sh
