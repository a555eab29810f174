# shellcheck shell=bash disable=SC2034
# Kernel registry for the VM runner: maps a kernel NAME to its image, release
# and KDIR (the tree an external module is built against). Sourced by run,
# kdir, kernels, mkinitramfs, build-debug-kernel and selftest.
#
#   debian-6.1   newest installed /boot/vmlinuz-6.1.*-amd64
#   debian-6.12  newest installed /boot/vmlinuz-6.12.*+deb12-amd64
#   debug        tinyconfig + selftests/config + debug.config built from
#                linux-source-6.1

CLONEDEV_KERNELS="debian-6.1 debian-6.12 debug"
CLONEDEV_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLONEDEV_REPO=$(cd "$CLONEDEV_VM_DIR/../.." && pwd)
CLONEDEV_CACHE=${CLONEDEV_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/clonedev}
CLONEDEV_LINUX_SOURCE=/usr/src/linux-source-6.1.tar.xz

# The debug build is keyed by the two fragments and the linux-source
# version, so changing any of them gives a fresh build directory.
debug_kernel_dir()
{
	local ver key

	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		ver=$(stat -c '%s-%Y' "$CLONEDEV_LINUX_SOURCE" 2>/dev/null) ||
		ver=none
	key=$({
		echo "$ver"
		cat "$CLONEDEV_REPO/selftests/config" "$CLONEDEV_VM_DIR/debug.config"
	} |
		sha256sum | cut -c1-16)
	echo "$CLONEDEV_CACHE/debug-$key"
}

newest_boot_kernel()
{
	local pattern=$1

	# shellcheck disable=SC2086
	ls -1 /boot/$pattern 2>/dev/null | sed 's|^/boot/vmlinuz-||' |
		sort -V | tail -n 1
}

# kernel_lookup NAME: set KERNEL_IMAGE, KERNEL_RELEASE, KERNEL_KDIR and
# KERNEL_DEBIAN (1 if the kernel's modules live in /lib/modules). Returns 1
# with a message on stderr if NAME is unknown or not installed/built.
kernel_lookup()
{
	local name=$1 rel dir

	KERNEL_DEBIAN=0
	case $name in
	debian-6.1)
		rel=$(newest_boot_kernel 'vmlinuz-6.1.*-amd64')
		KERNEL_DEBIAN=1
		;;
	debian-6.12)
		rel=$(newest_boot_kernel 'vmlinuz-6.12.*+deb12-amd64')
		KERNEL_DEBIAN=1
		;;
	debug)
		dir=$(debug_kernel_dir)
		if [ ! -e "$dir/build/.clonedev-built" ]; then
			echo "kernel debug: not built yet; run selftests/vm/build-debug-kernel" >&2
			return 1
		fi
		KERNEL_IMAGE=$dir/build/arch/x86/boot/bzImage
		KERNEL_RELEASE=$(cat "$dir/build/include/config/kernel.release")
		KERNEL_KDIR=$dir/build
		return 0
		;;
	*)
		echo "unknown kernel '$name' (one of: $CLONEDEV_KERNELS)" >&2
		return 1
		;;
	esac
	if [ -z "$rel" ]; then
		echo "kernel $name: no matching /boot/vmlinuz-*; run selftests/vm/deps" >&2
		return 1
	fi
	KERNEL_IMAGE=/boot/vmlinuz-$rel
	KERNEL_RELEASE=$rel
	KERNEL_KDIR=/usr/src/linux-headers-$rel
	if [ ! -d "$KERNEL_KDIR" ]; then
		echo "kernel $name: headers $KERNEL_KDIR missing; run selftests/vm/deps" >&2
		return 1
	fi
}
