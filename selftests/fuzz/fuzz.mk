# SPDX-License-Identifier: GPL-2.0
#
# The user-space fuzzers (selftests/fuzz, docs/security.md "Fuzzing the
# user-space parsers"), included by the top Makefile:
#
#   make fuzz           every fuzzer, under build/fuzz/
#   make stress-user    selftests/fuzz/run: each fuzzer for FUZZ_SECONDS
#                       (default 600; FUZZ_SECONDS=30 for a short lane)
#
# libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, from
# Debian's clang (clang-14 and libclang-rt-14-dev). The library, clonectl,
# the PED server and the PKCS#11 module are compiled again with coverage
# instrumentation, into objects of their own; the fuzzers link those real
# objects and call the real parsers (p11template and pedmain include the
# one file whose static functions they call, and link the others). (clang's -Wextra also warns about
# the { NULL } that ends clonectl's option tables, which gcc accepts.)

FUZZ_CC     ?= $(shell command -v clang-14 2>/dev/null || echo clang)
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) $(WARNINGS) \
	       -Wno-missing-field-initializers \
	       $(TOOL_CPPFLAGS)
FZ          := $(B)/fuzz
FUZZ_SECONDS ?= 600
FUZZ_NAMES  := $(patsubst selftests/fuzz/%.c,%,$(wildcard selftests/fuzz/*.c))
FUZZ_BINS   := $(addprefix $(FZ)/,$(FUZZ_NAMES))

FUZZ_LIB_OBJS := $(patsubst tools/lib/%.c,$(FZ)/obj/lib/%.o,$(LIB_SRCS))
FUZZ_CTL_OBJS := $(patsubst tools/clonectl/%.c,$(FZ)/obj/clonectl/%.o, \
		 $(filter-out tools/clonectl/main.c,$(CTL_SRCS)))
FUZZ_PED_OBJS := $(FZ)/obj/pedserver/channel.o $(FZ)/obj/pedserver/rpv.o
# The PKCS#11 module but object.c, which the p11template fuzzer includes.
FUZZ_P11_OBJS := $(patsubst tools/pkcs11/%.c,$(FZ)/obj/pkcs11/%.o, \
		 $(filter-out tools/pkcs11/object.c,$(P11_SRCS)))

.PHONY: fuzz stress-user

fuzz: $(FUZZ_BINS)

stress-user: fuzz
	$(TOP)/selftests/fuzz/run $(FUZZ_SECONDS)

$(FZ)/obj/lib/%.o: tools/lib/%.c $(wildcard tools/lib/*.h) uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FZ)/obj/clonectl/%.o: tools/clonectl/%.c $(wildcard tools/clonectl/*.h) \
		tools/lib/libclonedev.h uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-DCLONECTL_VERSION='"$(VERSION)"' -c $< -o $@

$(FZ)/obj/pedserver/%.o: tools/pedserver/%.c tools/pedserver/pedserver.h \
		tools/lib/libclonedev.h uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FZ)/obj/pkcs11/%.o: tools/pkcs11/%.c tools/pkcs11/p11.h \
		tools/lib/libclonedev.h uapi/linux/clonedev.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(P11_CFLAGS) -fsanitize=fuzzer-no-link \
		-c $< -o $@

$(FZ)/libclonedev.a: $(FUZZ_LIB_OBJS)
	$(AR) rcs $@ $^

$(FZ)/%: selftests/fuzz/%.c selftests/fuzz/fuzz.h $(FZ)/libclonedev.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA) \
		$(FZ)/libclonedev.a $(FUZZ_LIBS) $(NL_LIBS) -lpthread

$(FZ)/clonectl: FUZZ_EXTRA = $(FUZZ_CTL_OBJS)
$(FZ)/clonectl: $(FUZZ_CTL_OBJS)
$(FZ)/clonectl: FUZZ_CFLAGS += -I$(TOP)/tools/clonectl
$(FZ)/hagroup: FUZZ_EXTRA = $(FUZZ_CTL_OBJS)
$(FZ)/hagroup: $(FUZZ_CTL_OBJS)
$(FZ)/hagroup: FUZZ_CFLAGS += -I$(TOP)/tools/clonectl
$(FZ)/clivalues: FUZZ_EXTRA = $(FUZZ_CTL_OBJS)
$(FZ)/clivalues: $(FUZZ_CTL_OBJS)
$(FZ)/clivalues: FUZZ_CFLAGS += -I$(TOP)/tools/clonectl
# The library's ioctl() calls go to the fuzzer's __wrap_ioctl(), which
# records each request and fails it: no request reaches a device.
$(FZ)/p11template: FUZZ_EXTRA = $(FUZZ_P11_OBJS) -Wl,--wrap=ioctl
$(FZ)/p11template: $(FUZZ_P11_OBJS) tools/pkcs11/object.c tools/pkcs11/p11.h
$(FZ)/p11template: FUZZ_CFLAGS += -I$(TOP)/tools/pkcs11 $(P11_CFLAGS)
# The PED server but main.c, which the pedmain fuzzer includes.
FUZZ_PEDMAIN_OBJS := $(patsubst tools/pedserver/%.c,$(FZ)/obj/pedserver/%.o, \
		     $(filter-out tools/pedserver/main.c,$(PED_SRCS)))
$(FZ)/pedmain: FUZZ_EXTRA = $(FUZZ_PEDMAIN_OBJS)
$(FZ)/pedmain: FUZZ_LIBS = -lcrypto
$(FZ)/pedmain: $(FUZZ_PEDMAIN_OBJS) tools/pedserver/main.c
$(FZ)/pedmain: FUZZ_CFLAGS += -I$(TOP)/tools/pedserver
$(FZ)/pedrpv: FUZZ_EXTRA = $(FUZZ_PED_OBJS)
$(FZ)/pedrpv: FUZZ_LIBS = -lcrypto
$(FZ)/pedrpv: $(FUZZ_PED_OBJS)
$(FZ)/pedrpv: FUZZ_CFLAGS += -I$(TOP)/tools/pedserver
$(FZ)/ped: FUZZ_EXTRA = $(FUZZ_PED_OBJS)
$(FZ)/ped: FUZZ_LIBS = -lcrypto
$(FZ)/ped: $(FUZZ_PED_OBJS)
$(FZ)/ped: FUZZ_CFLAGS += -I$(TOP)/tools/pedserver
