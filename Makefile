# SPDX-License-Identifier: GPL-2.0
#
# clonedev: build, test and install.
#
#   make                module (each installed test kernel, and the running
#                       kernel if its headers are installed), libclonedev,
#                       clonectl and the selftests
#   make module KERNEL=debian-6.1|debian-6.12|debug
#   make check          every test on every kernel, in QEMU (its jobs are
#                       the targets of selftests/check.mk)
#   make demo           the main job, in a VM
#   make lint           checkpatch --strict, sparse, W=1, cppcheck
#   make bench          figures: objects, cloning, crypto, backup, HA
#   make stress         the robustness lane (below): the ioctl and netlink
#                       fuzzer, the clone-message fuzzer, the concurrency
#                       storm and the power cuts on the debug kernel, and
#                       the user-space fuzzers
#   make fuzz           the user-space fuzzers (selftests/fuzz/fuzz.mk)
#   make stress-user    each of them for 10 minutes (selftests/fuzz/run)
#   make install        module for the running kernel, library, tool
#   make install-user   library, header, pkg-config file and tool only
#   make install-check  the example builds against a staged install
#
# Kernel modules are built out of the source tree, one directory per kernel
# under build/, so the three test kernels never share objects.

VERSION   := 0.1.0
TOP       := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B         := $(TOP)/build
KERNELS   := debian-6.1 debian-6.12 debug
KDIR      ?= /lib/modules/$(shell uname -r)/build
PREFIX    ?= /usr/local
# Where p11-kit looks for module files (p11-kit list-modules): Debian's
# p11_module_configs (pkg-config p11-kit-1).
P11_MODULES ?= /usr/share/p11-kit/modules
DESTDIR   ?=
MODSRC    := Kbuild $(wildcard kmod/*.c kmod/*.h) uapi/linux/clonedev.h

CC        ?= gcc
CFLAGS    ?= -O2 -g
WARNINGS  := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	     -Wstrict-prototypes -Wno-unused-parameter
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS   := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
TOOL_CPPFLAGS := -D_GNU_SOURCE -I$(TOP)/uapi -I$(TOP)/tools/lib $(NL_CFLAGS)

# The kselftest harness and checkpatch come from Debian's linux-source-6.1;
# only the files needed are unpacked, under build/.
KSRC_TAR  := /usr/src/linux-source-6.1.tar.xz
KSRC      := $(B)/ksrc/linux-source-6.1
KSRC_FILES := tools/testing/selftests/kselftest_harness.h \
	      tools/testing/selftests/kselftest.h scripts/checkpatch.pl \
	      scripts/spelling.txt scripts/const_structs.checkpatch

LIB_SRCS  := $(wildcard tools/lib/*.c)
LIB_OBJS  := $(patsubst tools/lib/%.c,$(B)/obj/lib/%.o,$(LIB_SRCS))
LIB_PIC   := $(patsubst tools/lib/%.c,$(B)/obj/lib/%.pic.o,$(LIB_SRCS))
CTL_SRCS  := $(wildcard tools/clonectl/*.c)
CTL_OBJS  := $(patsubst tools/clonectl/%.c,$(B)/obj/clonectl/%.o,$(CTL_SRCS))
BENCH_BINS := $(patsubst tools/bench/%.c,$(B)/bin/clonedev-bench-%,$(wildcard tools/bench/*.c))
TEST_SRCS := $(wildcard selftests/*_test.c)
TEST_BINS := $(patsubst selftests/%.c,$(B)/selftests/%,$(TEST_SRCS))

.PHONY: all modules module host-module tools tests check demo lint bench \
	install install-module install-user install-check deps clean

all: modules tools tests

# ---- kernel module ----

# Every test kernel whose headers (or debug build) are present, plus the
# running kernel when it has headers.
modules:
	@for k in $(KERNELS); do \
		if $(TOP)/selftests/vm/kdir $$k >/dev/null 2>&1; then \
			$(MAKE) --no-print-directory module KERNEL=$$k || exit 1; \
		fi; \
	done
	@if [ -d "$(KDIR)" ]; then $(MAKE) --no-print-directory host-module; fi

module:
	@test -n "$(KERNEL)" || { echo "make module needs KERNEL=<$(KERNELS)>" >&2; exit 2; }
	@kd=$$($(TOP)/selftests/vm/kdir $(KERNEL)) || exit 1; \
	mkdir -p $(B)/$(KERNEL) && \
	rsync -a --relative $(MODSRC) $(B)/$(KERNEL)/ && \
	$(MAKE) --no-print-directory -C $$kd M=$(B)/$(KERNEL) $(KBUILD_EXTRA) modules

host-module:
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR); install linux-headers-$$(uname -r) or set KDIR" >&2; exit 1; }
	mkdir -p $(B)/host
	rsync -a --relative $(MODSRC) $(B)/host/
	$(MAKE) -C $(KDIR) M=$(B)/host modules

# ---- library and tool ----

tools: $(B)/bin/clonectl $(B)/lib/libclonedev.a $(B)/lib/libclonedev.so \
	$(B)/lib/pkgconfig/libclonedev.pc $(BENCH_BINS) \
	$(B)/bin/clonedev-pedserver $(B)/lib/libclonedev-pkcs11.so

$(B)/obj/lib/%.o: tools/lib/%.c $(wildcard tools/lib/*.h) uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) $(TOOL_CPPFLAGS) -c $< -o $@

$(B)/obj/lib/%.pic.o: tools/lib/%.c $(wildcard tools/lib/*.h) uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) $(TOOL_CPPFLAGS) -fPIC -c $< -o $@

$(B)/lib/libclonedev.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(B)/lib/libclonedev.so: $(LIB_PIC)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libclonedev.so.0 -o $@.0 $^ $(NL_LIBS) -lpthread
	ln -sf libclonedev.so.0 $@

$(B)/lib/pkgconfig/libclonedev.pc: tools/lib/libclonedev.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/obj/clonectl/%.o: tools/clonectl/%.c $(wildcard tools/clonectl/*.h) \
		tools/lib/libclonedev.h uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) $(TOOL_CPPFLAGS) \
		-DCLONECTL_VERSION='"$(VERSION)"' -c $< -o $@

$(B)/bin/clonectl: $(CTL_OBJS) $(B)/lib/libclonedev.a
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(NL_LIBS) -lpthread

# The PKCS#11 module (docs/pkcs11.md): built against the pkcs11.h of
# Debian's libp11-kit-dev, with libclonedev linked in (its PIC objects, in
# an archive of their own) and only C_GetFunctionList exported.
P11_SRCS  := $(wildcard tools/pkcs11/*.c)
P11_OBJS  := $(patsubst tools/pkcs11/%.c,$(B)/obj/pkcs11/%.o,$(P11_SRCS))
P11_CFLAGS := $(shell pkg-config --cflags p11-kit-1 2>/dev/null || echo -I/usr/include/p11-kit-1)

$(B)/obj/pkcs11/%.o: tools/pkcs11/%.c tools/pkcs11/p11.h \
		tools/lib/libclonedev.h uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) -Werror $(TOOL_CPPFLAGS) $(P11_CFLAGS) \
		-fPIC -fvisibility=hidden -c $< -o $@

$(B)/lib/libclonedev_pic.a: $(LIB_PIC)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(B)/lib/libclonedev-pkcs11.so: $(P11_OBJS) $(B)/lib/libclonedev_pic.a
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libclonedev-pkcs11.so -Wl,-z,defs \
		-Wl,--exclude-libs,ALL -o $@ $(P11_OBJS) \
		$(B)/lib/libclonedev_pic.a $(NL_LIBS) -lpthread

# The module again with AddressSanitizer, every source compiled into one
# object, for the bad-input checks of selftests/pkcs11_test.sh (run with
# libasan preloaded): a test build, never installed.
$(B)/lib/asan/libclonedev-pkcs11.so: $(P11_SRCS) $(LIB_SRCS) tools/pkcs11/p11.h \
		$(wildcard tools/lib/*.h) uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(CC) -O1 -g -fsanitize=address -fno-omit-frame-pointer $(WARNINGS) \
		$(TOOL_CPPFLAGS) $(P11_CFLAGS) -fPIC -shared \
		-o $@ $(P11_SRCS) $(LIB_SRCS) $(NL_LIBS) -lpthread

# The custodian's remote PED server (docs/remote-ped.md): OpenSSL's
# libcrypto for its side of the channel, libclonedev for share files.
PED_SRCS  := $(wildcard tools/pedserver/*.c)
$(B)/bin/clonedev-pedserver: $(PED_SRCS) $(wildcard tools/pedserver/*.h) \
		$(B)/lib/libclonedev.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) $(TOOL_CPPFLAGS) -o $@ $(PED_SRCS) \
		$(B)/lib/libclonedev.a $(NL_LIBS) -lpthread -lcrypto

# The programs make bench runs in the VM. The SoftHSMv2 peer loads the
# PKCS#11 module at run time and needs only p11-kit's header.
$(B)/bin/clonedev-bench-softhsm: tools/bench/softhsm.c tools/bench/p11.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) -I/usr/include/p11-kit-1 -o $@ $< -ldl

# The crypto figures: clonedev, AF_ALG, SoftHSMv2 (dlopen()ed) and OpenSSL.
$(B)/bin/clonedev-bench-crypto: tools/bench/crypto.c tools/bench/p11.h $(B)/lib/libclonedev.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) $(TOOL_CPPFLAGS) -I/usr/include/p11-kit-1 \
		-o $@ $< $(B)/lib/libclonedev.a $(NL_LIBS) -lpthread -lcrypto -ldl

$(B)/bin/clonedev-bench-%: tools/bench/%.c tools/bench/bench.h $(B)/lib/libclonedev.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) $(TOOL_CPPFLAGS) -o $@ $< \
		$(B)/lib/libclonedev.a $(NL_LIBS) -lpthread

# ---- selftests ----

$(KSRC)/.unpacked:
	@test -r $(KSRC_TAR) || { echo "$(KSRC_TAR) is missing; run 'make deps'" >&2; exit 1; }
	@mkdir -p $(B)/ksrc
	tar -xJf $(KSRC_TAR) -C $(B)/ksrc $(addprefix linux-source-6.1/,$(KSRC_FILES))
	@touch $@

tests: $(TEST_BINS) $(B)/selftests/crypto_xcheck_tool $(B)/keys/expected.txt \
	$(B)/lib/asan/libclonedev-pkcs11.so

# Test keys and their check values, made fresh by an independent
# implementation (python3-cryptography) on the host.
$(B)/keys/expected.txt: selftests/keys/mkkeys
	$(TOP)/selftests/keys/mkkeys $(B)/keys

$(B)/selftests/%: selftests/%.c selftests/clonedev_test_util.h \
		$(B)/lib/libclonedev.a $(KSRC)/.unpacked
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNINGS) -Wno-missing-prototypes -Wno-sign-compare \
		$(TOOL_CPPFLAGS) \
		-I$(KSRC)/tools/testing/selftests \
		-DCLONEDEV_EXPECTED_VERSION='"$(VERSION)"' -o $@ $< \
		$(B)/lib/libclonedev.a $(NL_LIBS) -lpthread $(TEST_LIBS)

# clone_test makes CONFIRM messages itself (SHA-256 of the nonces).
$(B)/selftests/clone_test: TEST_LIBS := -lcrypto

# ---- user-space fuzzers ----

include $(TOP)/selftests/fuzz/fuzz.mk

# ---- top-level jobs ----

deps:
	$(TOP)/tools/scripts/deps

check:
	$(TOP)/selftests/check

demo:
	$(TOP)/tools/scripts/demo

bench:
	$(TOP)/tools/scripts/bench

# The robustness lane, on the debug kernel (KASAN, UBSAN, lockdep,
# kmemleak, KCOV for the module), each part in a boot of its own so
# that the VM runner reads each one's kernel log; each prints what it tried
# and found, and its output is kept in build/stress/:
#   stress-ioctl   ioctl_fuzz_test: FUZZ_REQUESTS requests (1,000,000),
#                  4 processes, and the module's blocks it reached
#   stress-clone   clone_fuzz_test: CLONE_FUZZ_RUNS mutated clones (2,500)
#   stress-storm   storm_test: 32 threads for STORM_SECONDS (600)
#   stress-crash   crash_test: CRASH_ROUNDS power cuts (100) on a
#                  persistent disk, on CRASH_KERNEL (debian-6.1: a debug
#                  boot under TCG takes a minute, a Debian one 15 s; make
#                  check cuts the power on the debug kernel too)
#   stress-user    the user-space fuzzers, FUZZ_SECONDS (600) each
# make check runs a short lane of the same programs (selftests/check.mk).
FUZZ_REQUESTS   ?= 1000000
CLONE_FUZZ_RUNS ?= 2500
STORM_SECONDS   ?= 600
CRASH_ROUNDS    ?= 100
CRASH_KERNEL    ?= debian-6.1
STRESS_LOGS     := $(B)/stress
.PHONY: stress stress-ioctl stress-clone stress-storm stress-crash stress-debug
stress: stress-ioctl stress-clone stress-storm stress-crash stress-user

stress-debug: tools tests
	$(TOP)/selftests/vm/build-debug-kernel >/dev/null
	$(MAKE) -s module KERNEL=debug
	$(TOP)/selftests/vm/mkinitramfs debug >/dev/null
	@mkdir -p $(STRESS_LOGS)

# stress-run NAME SECONDS COMMAND: COMMAND in a debug boot, its output
# also in build/stress/NAME.log.
define stress-run
	CLONEDEV_VM_TIMEOUT=$$(($(2) + 900)) $(TOP)/selftests/vm/run \
		--kernel debug -- $(3) >$(STRESS_LOGS)/$(1).log 2>&1; \
		rc=$$?; cat $(STRESS_LOGS)/$(1).log; exit $$rc
endef

stress-ioctl: stress-debug
	$(call stress-run,ioctl,$$(($(FUZZ_REQUESTS) / 100)),$(B)/selftests/ioctl_fuzz_test $(FUZZ_REQUESTS) 4)

stress-clone: stress-debug
	$(call stress-run,clone,$$(($(CLONE_FUZZ_RUNS) / 2)),$(B)/selftests/clone_fuzz_test $(CLONE_FUZZ_RUNS))

stress-storm: stress-debug
	$(call stress-run,storm,$(STORM_SECONDS),$(B)/selftests/storm_test 32 $(STORM_SECONDS))

stress-crash: stress-debug
	$(MAKE) -s module KERNEL=$(CRASH_KERNEL)
	$(TOP)/selftests/vm/mkinitramfs $(CRASH_KERNEL) >/dev/null
	$(TOP)/selftests/crash_test --kernel $(CRASH_KERNEL) \
		--rounds $(CRASH_ROUNDS) >$(STRESS_LOGS)/crash.log 2>&1; \
		rc=$$?; cat $(STRESS_LOGS)/crash.log; exit $$rc

lint: $(KSRC)/.unpacked
	$(TOP)/tools/scripts/lint

# DESTDIR stages an install (the module under $(DESTDIR)/lib/modules, no
# depmod or ldconfig then); install-user is everything but the module.
install: install-module install-user

install-module: host-module
	$(MAKE) -C $(KDIR) M=$(B)/host INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,-depmod -a)

install-user: tools
	install -D -m 0755 $(B)/bin/clonectl $(DESTDIR)$(PREFIX)/bin/clonectl
	install -D -m 0755 $(B)/bin/clonedev-pedserver $(DESTDIR)$(PREFIX)/bin/clonedev-pedserver
	install -D -m 0644 $(B)/lib/libclonedev.a $(DESTDIR)$(PREFIX)/lib/libclonedev.a
	install -D -m 0755 $(B)/lib/libclonedev.so.0 $(DESTDIR)$(PREFIX)/lib/libclonedev.so.0
	ln -sf libclonedev.so.0 $(DESTDIR)$(PREFIX)/lib/libclonedev.so
	install -D -m 0644 tools/lib/libclonedev.h $(DESTDIR)$(PREFIX)/include/libclonedev.h
	install -D -m 0644 uapi/linux/clonedev.h $(DESTDIR)$(PREFIX)/include/linux/clonedev.h
	install -D -m 0644 uapi/linux/clonedev_netlink.h \
		$(DESTDIR)$(PREFIX)/include/linux/clonedev_netlink.h
	install -D -m 0644 $(B)/lib/pkgconfig/libclonedev.pc \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/libclonedev.pc
	install -D -m 0755 $(B)/lib/libclonedev-pkcs11.so \
		$(DESTDIR)$(PREFIX)/lib/pkcs11/libclonedev-pkcs11.so
	install -d $(DESTDIR)$(P11_MODULES)
	echo 'module: $(PREFIX)/lib/pkcs11/libclonedev-pkcs11.so' \
		> $(DESTDIR)$(P11_MODULES)/clonedev.module
	$(if $(DESTDIR),,-ldconfig)

# The example program built against a staged install through pkg-config
# (host only; no module, no root).
install-check:
	$(TOP)/selftests/install_test.sh

clean:
	rm -rf $(B)

# ---- generated netlink code ----

# ynl-gen-c.py and the YNL CLI (cli.py, for selftests/ynl_test.sh) with the
# genetlink spec schema come from Debian's linux-source-6.12; only those
# files are unpacked, under build/. make ynl regenerates the family's uAPI
# header, policies and operation table from docs/netlink/clonedev.yaml;
# make lint fails while the committed ones differ.
YNL_TAR   := /usr/src/linux-source-6.12.tar.xz
YNL_KSRC  := $(B)/ksrc/linux-source-6.12
YNL_FILES := tools/net/ynl/ynl-gen-c.py tools/net/ynl/cli.py tools/net/ynl/lib \
	     Documentation/netlink/genetlink-legacy.yaml
MODSRC    += uapi/linux/clonedev_netlink.h

$(YNL_KSRC)/.unpacked:
	@test -r $(YNL_TAR) || { echo "$(YNL_TAR) is missing; run 'make deps'" >&2; exit 1; }
	@mkdir -p $(B)/ksrc
	tar -xJf $(YNL_TAR) -C $(B)/ksrc $(addprefix linux-source-6.12/,$(YNL_FILES))
	@touch $@

.PHONY: ynl
ynl: $(YNL_KSRC)/.unpacked
	$(TOP)/tools/scripts/ynl

lint tests: $(YNL_KSRC)/.unpacked
