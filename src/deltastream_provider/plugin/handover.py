"""The engine's side of the resident provider: hand this command's provider over to a warm process.

The engine starts a provider process for every command, and a cold Python process spends most of a small command
importing (about 100 ms to the handshake, as much again at the first read). A resident process
(:mod:`.resident`) has imported everything once and forks a provider for each command. The process the engine
started (the launcher) sends it its standard streams (as file descriptors), arguments, environment and working
folder; the forked provider prints its port on those streams and serves; the launcher waits, passes the engine's
signals on, and exits with the provider's status. When no resident process answers, the launcher serves
in-process as before and starts one for the commands after it.

This module is imported before anything else in the launcher: only the standard library's cheapest modules.
Set ``DELTASTREAM_PROVIDER_RESIDENT=off`` to never use or start a resident process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import stat
import sys
import zlib

SETTING = "DELTASTREAM_PROVIDER_RESIDENT"  # "off": serve in-process only; "serve": this process is the resident
IDLE_SETTING = "DELTASTREAM_PROVIDER_RESIDENT_IDLE"  # seconds without a command before the resident exits
KEY_SETTING = "DELTASTREAM_PROVIDER_RESIDENT_KEY"  # the key the launcher expects the resident to serve under
PATH_SETTING = "DELTASTREAM_PROVIDER_RESIDENT_PATH"  # the launcher's module path, for the resident it starts
STREAMS = (0, 1, 2)
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")


def enabled() -> bool:
    return (os.environ.get(SETTING, "").lower() not in ("off", "0", "false", "no")
            and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds") and hasattr(os, "fork"))


def folder() -> str | None:
    """The user's own folder for resident sockets (mode 0700; None if it is anyone else's or open to others)."""
    path = os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/tmp", f"deltastream-provider-{os.getuid()}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return path


def code_key() -> str:
    """Which code this process runs: where (the interpreter and the provider's package), then what (its module
    path and when anything on it last changed: a package installed or removed, a provider module edited). A
    resident process serves only launchers of the same key, so an upgrade is never served by old code; a resident
    for new code of the same installation ends those for its older code (:func:`installation`)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # The module path but its first entry, the launcher's own folder (where a launcher is a script, as a console
    # script or the benchmark's are, it holds no modules; the resident gets the whole path all the same).
    search = sys.path[1:]
    parts = [str(getattr(sys, "frozen", False)), *search]
    for entry in [sys.executable, *search]:
        try:
            info = os.stat(entry or ".")
            parts.append(f"{entry}:{info.st_mtime_ns}:{info.st_size}")
        except OSError:
            parts.append(f"{entry}:-")
    parts += _modules(package)
    return f"{_digest(sys.executable, package)}-{_digest(*parts)}"


def installation(key: str) -> str:
    """The part of a key that names the installation (the same for its old and new code)."""
    return key.split("-", 1)[0]


def _digest(*parts: str) -> str:
    text = "\0".join(parts).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def _modules(package: str) -> list[str]:
    """Each module file of the provider's package with when it changed and its size, in a stable order."""
    found = []
    for entry in sorted(os.scandir(package), key=lambda e: e.name):
        if entry.is_dir() and entry.name != "__pycache__":
            found += _modules(entry.path)
        elif entry.name.endswith((".py", ".json")):
            info = entry.stat()
            found.append(f"{entry.path}:{info.st_mtime_ns}:{info.st_size}")
    return found


SOCKET_PATH_LIMIT = 100  # bytes in a Unix socket's path, with room to spare (104 on macOS, 108 on Linux)


def address(key: str) -> str | None:
    """The resident's socket for ``key``; None where there is no safe folder or its path would be too long."""
    where = folder()
    path = os.path.join(where, f"{key}.sock") if where is not None else None
    return path if path is not None and len(os.fsencode(path)) + len(".12345678") <= SOCKET_PATH_LIMIT else None


def hand_over(argv: list[str]) -> int | None:
    """Serve this command through the resident process: its provider's exit status, or None when none answers
    (the caller then serves in-process)."""
    if not enabled():
        return None
    key = code_key()
    path = address(key)
    if path is None:
        return None
    launcher = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        launcher.connect(path)
        request = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        message = len(request).to_bytes(4, "big") + request
        sent = socket.send_fds(launcher, [message], list(STREAMS))
        launcher.sendall(message[sent:])
        answers = launcher.makefile("rb")  # line by line: the pid, then the exit status (they may arrive together)
        provider = answers.readline().decode()
    except OSError:
        launcher.close()
        start_resident(key)
        return None
    if not provider.startswith("pid "):
        launcher.close()
        return None
    return _wait(answers, int(provider.split()[1]))


def _wait(answers: io.BufferedReader, provider: int) -> int:
    """The engine's signals go to the provider; its exit status comes back from the resident process (0 if the
    resident is gone: the provider's end of the connection then closes when it exits)."""

    def pass_on(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(provider, signum)

    for name in FORWARDED:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), pass_on)
    answer = answers.readline().decode()  # a read a signal interrupts is resumed (PEP 475)
    return int(answer.split()[1]) if answer.startswith("exit ") else 0


def start_resident(key: str) -> None:
    """Start the resident process for the commands after this one, detached: its own session, no standard streams
    of the engine's (the engine reads this process's output to its end), and none of this command's environment
    but what finds the same code."""
    kept = ("PATH", "PYTHONHOME", "XDG_RUNTIME_DIR", IDLE_SETTING)
    env = {name: os.environ[name] for name in kept if name in os.environ}
    env.update({SETTING: "serve", KEY_SETTING: key})
    if getattr(sys, "frozen", False):
        command = [sys.executable]
    else:  # the launcher's module path exactly, so the resident imports the same code (and computes the same key)
        command = [sys.executable, "-c", f"import json, os, sys; sys.path[:] = json.loads(os.environ[{PATH_SETTING!r}])"
                                         "; from deltastream_provider.plugin.main import main; main()"]
        env[PATH_SETTING] = json.dumps(sys.path)
    try:
        pid = os.fork()
    except OSError:
        return
    if pid:
        os.waitpid(pid, 0)
        return
    try:  # a child that starts the resident and exits at once, so the resident is nobody's child to reap
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for stream in STREAMS:
            os.dup2(null, stream)
        if os.fork() == 0:
            os.closerange(3, 256)
            os.chdir("/")
            os.execve(command[0], command, env)
    finally:
        os._exit(0)
