"""Run a Python script with every connection (and name lookup) beyond loopback recorded in
$NET_GUARD_LOG and refused: `python net_guard.py SCRIPT ARGS...`."""

from __future__ import annotations

import os
import runpy
import socket
import sys

LOG = os.environ.get("NET_GUARD_LOG", "/dev/null")
LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", ""}
_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def _record(host: object) -> None:
    with open(LOG, "a") as f:
        f.write(f"{host}\n")


def _outside(sock: socket.socket, address: object) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return False
    return str(address[0]) not in LOCAL


def connect(self: socket.socket, address: object) -> None:
    if _outside(self, address):
        _record(address[0])  # type: ignore[index]
        raise ConnectionRefusedError("connections beyond loopback are refused in this test")
    return _connect(self, address)  # type: ignore[arg-type]


def connect_ex(self: socket.socket, address: object) -> int:
    if _outside(self, address):
        _record(address[0])  # type: ignore[index]
        return 111
    return _connect_ex(self, address)  # type: ignore[arg-type]


def getaddrinfo(host: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    if host is not None and str(host) not in LOCAL:
        _record(host)
        raise socket.gaierror(socket.EAI_NONAME, "name lookups are refused in this test")
    return _getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


socket.socket.connect = connect  # type: ignore[method-assign]
socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]

script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
