"""Port selection: a free port from the kernel, or one fixed through the
environment, remembered in the stack's state file so a second ``up`` keeps
the same addresses."""

from __future__ import annotations

import random
import socket
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path

from devtools.settings import port_env_name, port_overrides

HOST = "127.0.0.1"


env_name = port_env_name  # ``chat-ui.app`` -> ``TODO_PORT_CHAT_UI_APP`` (devtools/settings.py)


def is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def is_listening(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


# Ports this process handed out lately. A port is free when chosen and taken only when its
# process binds it, so two picks in a row (four ports per sidecar) could return the same
# one: about a 2% chance for 24 ports from this range, and then a daprd exits on "address
# already in use".
_handed_out: deque[int] = deque(maxlen=4096)


def free_port(exclude: Iterable[int] = (), host: str = HOST) -> int:
    """A free port, not in ``exclude`` nor handed out by this process lately. Preferably
    below the kernel's ephemeral range, so that outgoing connections never take a port
    remembered for the next ``up``; the kernel's choice otherwise."""
    port = _pick_free_port({*exclude, *_handed_out}, host)
    _handed_out.append(port)
    return port


def _pick_free_port(excluded: set[int], host: str) -> int:
    low, _ = _ephemeral_range()
    if low > 20000:
        rng = random.SystemRandom()
        for _ in range(200):
            port = rng.randrange(20000, low)
            if port not in excluded and is_free(port, host):
                return port
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in excluded:
            return port
    raise RuntimeError("could not find a free TCP port")


class PortAllocator:
    """Hands out ports by key: env override, then the remembered port (if it is
    free or ``reuse`` says its owner is still ours), then a fresh free one."""

    def __init__(
        self, remembered: Mapping[str, int] | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self._remembered = dict(remembered or {})
        self._env = port_overrides() if env is None else env
        self.assigned: dict[str, int] = {}

    def get(self, key: str, *, in_use_by_us: bool = False) -> int:
        if key in self.assigned:
            return self.assigned[key]
        taken = set(self.assigned.values())
        raw = self._env.get(env_name(key))
        if raw:
            port = int(raw)
        else:
            old = self._remembered.get(key)
            if old is not None and old not in taken and (in_use_by_us or is_free(old)):
                port = old
            else:
                port = free_port(exclude=taken | set(self._remembered.values()))
        self.assigned[key] = port
        return port
