"""Runs a command in the network namespace it was started in (`unshare --net`), where the
only way out of loopback is a TUN device whose other end is this script: every packet that
tries to leave is recorded (one line each in LOG: version, source, destination, protocol)
and dropped. Nothing reaches any network, and any attempt shows.

    unshare --net -- python jail.py LOG COMMAND...

Loopback is brought up; the TUN device `arena-out` has addresses from ranges that are never
routed (198.18.0.0/15, fd00::/8) and carries the default routes of IPv4 and IPv6, so that
a connect to any address other than loopback is attempted, and recorded, rather than
failing at once with "network unreachable" (which a program might swallow unseen). Without
an IPv6 link-local address the device sends nothing by itself."""

from __future__ import annotations

import fcntl
import ipaddress
import os
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
DEVICE = "arena-out"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


def _open_tun() -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", DEVICE.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def _route_everything_through_the_tun() -> None:
    _ip("link", "set", "lo", "up")
    _ip("link", "set", DEVICE, "addrgenmode", "none")
    _ip("addr", "add", "198.18.0.1/32", "dev", DEVICE)
    _ip("-6", "addr", "add", "fd00:a7e:a::1/128", "dev", DEVICE, "nodad")
    _ip("link", "set", DEVICE, "up")
    _ip("route", "add", "default", "dev", DEVICE)
    _ip("-6", "route", "add", "default", "dev", DEVICE)


def describe(packet: bytes) -> str:
    """`IPv4 198.18.0.1 -> 192.0.2.1 proto 6` for an IP packet."""
    if packet[0] >> 4 == 6:
        source, target = packet[8:24], packet[24:40]
        return f"IPv6 {ipaddress.IPv6Address(source)} -> {ipaddress.IPv6Address(target)} proto {packet[6]}"
    source, target = packet[12:16], packet[16:20]
    return (
        f"IPv4 {ipaddress.IPv4Address(source)} -> {ipaddress.IPv4Address(target)} proto {packet[9]}"
    )


def _record_forever(fd: int, log: str) -> None:
    with open(log, "a", buffering=1) as out:
        while packet := os.read(fd, 65536):
            out.write(describe(packet) + "\n")


def main(log: str, command: list[str]) -> None:
    fd = _open_tun()
    _route_everything_through_the_tun()
    open(log, "w").close()
    if os.fork() == 0:
        _record_forever(fd, log)
        os._exit(0)
    os.close(fd)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
