"""The resident provider process: imports the provider once, then forks a provider for each command's launcher
(:mod:`.handover`).

It listens on a socket in the user's own folder, named after the code it runs, and exits after a while without a
command (``DELTASTREAM_PROVIDER_RESIDENT_IDLE`` seconds, 15 minutes by default). It holds no credentials and
talks to no one: a forked provider gets the command's streams, arguments, environment and folder from its
launcher and is configured by the engine as any provider is. The resident stays single-threaded and never runs an
event loop or a gRPC object itself, so each fork starts clean.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import traceback
from typing import Any

from . import handover

DEFAULT_IDLE = 15 * 60.0


def warm_up() -> None:
    """Import what a command's calls import on first use: the servicer, the HTTP client, every resource and
    lookup, the schema. What fails to import here is left to the provider, which then fails where a cold one
    would, with the same error."""
    from .protocol import stand_in_for_the_sdk

    stand_in_for_the_sdk()
    from . import servicer  # noqa: F401  (what the handshake needs: without it there is nothing to serve)

    try:
        from ..deltastream import client
        from ..model import registry, schema  # noqa: F401  (GetSchema's)

        client.verified_tls()  # the CA bundle, loaded once for every fork

        registry.resources()
        registry.functions()
    except Exception:
        pass


def serve_forever() -> None:
    key = os.environ.get(handover.KEY_SETTING) or handover.code_key()
    path = handover.address(key)
    if path is None or key != handover.code_key():
        return  # not the launcher's code, or nowhere safe to listen
    lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another resident process serves (or is starting to serve) this code
    warm_up()
    # Objects of the warm-up are kept out of the forks' garbage collections: a collection touches every object it
    # tracks, and in a fork each page it touches is copied (what freezing saves is measured by bench.read_cpu).
    gc.collect()
    gc.freeze()
    listening = _listen(path)
    bound = os.stat(path).st_ino
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    end_older_code(path, key)
    idle = float(os.environ.get(handover.IDLE_SETTING) or DEFAULT_IDLE)
    try:
        Resident(listening, idle, lock).run()
    finally:
        listening.close()
        _remove_if_ours(path, bound)


def end_older_code(path: str, key: str) -> None:
    """Ask the residents for older code of this installation to exit (an edit or an upgrade makes a new key; the old
    resident would otherwise wait out its idle time). A resident is alive while it holds its lock file, and that
    file holds its pid."""
    folder = os.path.dirname(path)
    prefix = f"{handover.installation(key)}-"
    for name in os.listdir(folder):
        if not (name.startswith(prefix) and name.endswith(".sock.lock")) or name == os.path.basename(f"{path}.lock"):
            continue
        lock = os.open(os.path.join(folder, name), os.O_RDWR)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: that resident runs
            pid = os.pread(lock, 32, 0).decode().strip()
            if pid.isdigit():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGTERM)
        else:  # nobody holds it: a resident that is gone
            os.unlink(os.path.join(folder, name))
        finally:
            os.close(lock)


def _listen(path: str) -> socket.socket:
    """Listen at ``path``, replacing a socket a crashed resident left there (bound aside, then renamed over it)."""
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    aside = f"{path}.{os.getpid()}"
    listening.bind(aside)
    os.chmod(aside, 0o600)
    os.replace(aside, path)
    listening.listen(128)
    return listening


def _remove_if_ours(path: str, bound: int) -> None:
    """Remove the socket file unless a newer resident has already replaced it."""
    try:
        if os.stat(path).st_ino == bound:
            os.unlink(path)
    except OSError:
        pass


class Resident:
    """Accepts launchers and forks a provider for each; tells each launcher its provider's exit status."""

    def __init__(self, listening: socket.socket, idle: float, lock: int) -> None:
        self.listening = listening
        self.idle = idle
        self.lock = lock  # held while this process lives: a fork must not hold it after its resident exits
        self.launchers: dict[int, socket.socket] = {}  # provider pid -> its launcher's connection
        self.selector = selectors.DefaultSelector()
        self.wakeup_read, self.wakeup_write = os.pipe()
        os.set_blocking(self.wakeup_write, False)

    def run(self) -> None:
        signal.set_wakeup_fd(self.wakeup_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # a handler, so the wakeup fd hears of it
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.selector.register(self.listening, selectors.EVENT_READ, "launcher")
        self.selector.register(self.wakeup_read, selectors.EVENT_READ, "signal")
        while True:
            events = self.selector.select(self.idle)
            if not events and not self.launchers:
                return
            for selected, _ in events:
                if selected.data == "signal":
                    os.read(self.wakeup_read, 512)
                else:
                    self._accept()
            self._reap()

    def _accept(self) -> None:
        try:
            connection, _ = self.listening.accept()
        except OSError:
            return
        try:
            if not _same_user(connection):
                connection.close()
                return
            request, streams = _receive(connection)
        except (OSError, ValueError):
            connection.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._become_provider(connection, request, streams)
        for stream in streams:
            os.close(stream)
        self.launchers[pid] = connection

    def _become_provider(self, connection: socket.socket, request: dict[str, Any], streams: list[int]) -> None:
        """In the forked process: take the launcher's streams, arguments, environment and folder, and serve."""
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            for name in ("SIGCHLD", "SIGTERM"):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
            self.selector.close()
            self.listening.close()
            os.close(self.lock)
            os.close(self.wakeup_read)
            os.close(self.wakeup_write)
            for launcher in self.launchers.values():
                launcher.close()
            for target, stream in zip(handover.STREAMS, streams, strict=True):
                os.dup2(stream, target)
                os.close(stream)
            os.environ.clear()
            os.environ.update(request["env"])
            with contextlib.suppress(OSError):  # a folder since removed: a provider started in it would not be in it
                os.chdir(request["cwd"])
            sys.argv[1:] = request["argv"]
            connection.sendall(f"pid {os.getpid()}\n".encode())
            threading.Thread(target=_exit_with, args=(connection,), daemon=True).start()
            from .servicer import serve

            asyncio.run(serve(request["argv"]))
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

    def _reap(self) -> None:
        while self.launchers:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            launcher = self.launchers.pop(pid, None)
            if launcher is not None:
                with contextlib.suppress(OSError):
                    launcher.sendall(f"exit {os.waitstatus_to_exitcode(wait_status)}\n".encode())
                launcher.close()


def _exit_with(launcher: socket.socket) -> None:
    """End the provider when its launcher is gone (killed by the engine or with it), as if it had been killed
    itself: the launcher never writes after its request, so anything readable is the end of the connection."""
    with contextlib.suppress(OSError):
        launcher.recv(1)
    os._exit(0)


def _same_user(connection: socket.socket) -> bool:
    """Only the user's own processes are served (the folder is theirs alone; this also checks the peer)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                         struct.calcsize("3i")))
    return bool(uid == os.getuid())


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The launcher's request (length-prefixed JSON) and its three standard streams."""
    connection.settimeout(10)
    data, streams, _, _ = socket.recv_fds(connection, 1 << 16, len(handover.STREAMS))
    if len(streams) != len(handover.STREAMS) or len(data) < 4:
        for stream in streams:
            os.close(stream)
        raise ValueError("not a launcher's request")
    size = int.from_bytes(data[:4], "big")
    body = data[4:]
    while len(body) < size:
        chunk = connection.recv(size - len(body))
        if not chunk:
            break
        body += chunk
    connection.settimeout(None)
    try:
        return json.loads(body), streams
    except ValueError:
        for stream in streams:
            os.close(stream)
        raise
