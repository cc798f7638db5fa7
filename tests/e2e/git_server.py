"""A Git server over HTTPS on loopback (git's own smart-HTTP backend behind a TLS listener), so `pulumi package add
<git URL>` clones from a URL as it would from a forge: Pulumi only accepts https:// for Git plugins."""

from __future__ import annotations

import os
import random
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.certificates import self_signed


def snapshot_repository(source: Path, bare: Path, tag: str) -> None:
    """A bare repository holding one commit of ``source``'s working tree as it is (tracked and new files, not
    ignored ones), tagged ``tag``: what a user would clone at the release tag."""
    work = bare.with_suffix(".work")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=source,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (source / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, work / name)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@localhost"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", tag], ["tag", tag],
                 ["clone", "-q", "--bare", ".", str(bare)]):
        subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)
    shutil.rmtree(work)


class GitHandler(BaseHTTPRequestHandler):
    """Hands each request to `git http-backend` (CGI) and relays its answer."""

    root: Path

    def do_GET(self) -> None:
        self.relay()

    def do_POST(self) -> None:
        self.relay()

    def relay(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(self.root), "GIT_HTTP_EXPORT_ALL": "1",
               "PATH_INFO": url.path, "QUERY_STRING": url.query, "REQUEST_METHOD": self.command,
               "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
               "REMOTE_ADDR": self.client_address[0], "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
               "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", "")}
        answer = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, payload = answer.partition(b"\r\n\r\n")
        headers = [line.split(":", 1) for line in head.decode().split("\r\n") if ":" in line]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
        self.send_response(status)
        for key, value in headers:
            if key.lower() != "status":
                self.send_header(key, value.strip())
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def git_https_server(root: Path, certificate_dir: Path) -> Iterator[tuple[str, Path]]:
    """Serves the bare repositories under ``root``; yields the base URL and the CA file to trust (SSL_CERT_FILE).

    The URL has no port (443 on a loopback address of its own): Pulumi names the plugin's folder after the URL,
    and the Python host refuses a virtualenv path holding ``:``."""
    host = f"127.{random.randrange(1, 255)}.{random.randrange(1, 255)}.{random.randrange(1, 255)}"
    cert, key = self_signed(host, ip=host)
    (certificate_dir / "git.pem").write_bytes(cert)
    (certificate_dir / "git.key").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_dir / "git.pem", certificate_dir / "git.key")
    handler = type("Handler", (GitHandler,), {"root": root})
    server = ThreadingHTTPServer((host, 443), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://{host}", certificate_dir / "git.pem"
    finally:
        server.shutdown()
        server.server_close()
