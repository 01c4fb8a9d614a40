#!/bin/bash
# Boot an arm64 guest whose virtio-scmi device is served by vscmi over vhost-user.
#
#   qemu.sh SOCKET KERNEL INITRD GUEST_DTSI [extra QEMU args…]
#
# SOCKET      the agent's vhost-user socket, e.g. /tmp/vscmi/vm1.sock from
#             `vscmi serve examples/qemu-vhost-user/vscmi.toml --run-dir /tmp/vscmi`
# GUEST_DTSI  that agent's fragment from `vscmi dt … --agent vm1` (vm1.dtsi here)
#
# The guest DT is QEMU's own `virt` tree plus the fragment. Guest RAM must be shareable
# (memory-backend-memfd with share=on) so vscmi can map it. Set QEMU=… to pick the binary
# (QEMU 8.1 or later has vhost-user-scmi). With SCMI_CLIENT_MODE=1 QEMU listens on SOCKET
# instead and vscmi connects, and connects again after a restart (transport mode = "client").
set -euo pipefail
SOCK=${1:?socket}; KERNEL=${2:?kernel Image}; INITRD=${3:?initramfs}; DTSI=${4:?guest dtsi}
shift 4
QEMU=${QEMU:-qemu-system-aarch64}
MACHINE="virt,gic-version=3"
MEM=512M
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# QEMU's own device tree for this machine, plus the SCMI fragment.
"$QEMU" -machine "$MACHINE,dumpdtb=$WORK/virt.dtb" -cpu cortex-a57 -m $MEM -nodefaults \
	-display none >/dev/null
dtc -q -I dtb -O dts -o "$WORK/guest.dts" "$WORK/virt.dtb"
cat "$DTSI" >>"$WORK/guest.dts"
dtc -q -I dts -O dtb -o "$WORK/guest.dtb" "$WORK/guest.dts"

if [ "${SCMI_CLIENT_MODE:-0}" = 1 ]; then
	# QEMU owns the socket and waits for vscmi (transport mode = "client"); when vscmi
	# restarts it connects again and QEMU restarts the device: the guest goes on.
	CHARDEV="socket,id=scmi0,path=$SOCK,server=on,wait=on"
else
	# vscmi listens. (QEMU 10.0's reconnect-ms= on this chardev makes vhost-user-scmi
	# fail at start-up, so a vscmi restart needs the client mode above.)
	CHARDEV="socket,id=scmi0,path=$SOCK"
fi

"$QEMU" -machine "$MACHINE,memory-backend=mem" -cpu cortex-a57 -m $MEM \
	-object memory-backend-memfd,id=mem,size=$MEM,share=on \
	-global virtio-mmio.force-legacy=false \
	-chardev "$CHARDEV" \
	-device vhost-user-scmi,chardev=scmi0 \
	-kernel "$KERNEL" -initrd "$INITRD" -dtb "$WORK/guest.dtb" \
	-append "console=ttyAMA0" -nographic "$@"
