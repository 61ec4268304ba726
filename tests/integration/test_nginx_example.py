"""The shipped nginx example (deploy/nginx), run by Debian's nginx on loopback in front of a stub
replica: it passes `nginx -t`; it adds the app's security headers where a response has none (the same
policy as portsight.web.middleware) and never a second copy; Streamlit's metrics are not public; sign-in
POSTs and uploads are rate-limited; upload URLs (which carry the Streamlit session id) stay out of the
access log."""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portsight.web.middleware import content_security_policy
from tests.conftest import missing
from tests.nginx_example import NGINX_DIR, nginx_config

UPLOAD_SESSION = "5f0c4d0e-6f31-4a39-9a55-0123456789ab"  # what a Streamlit session id looks like


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stub:
    """The replica: answers 200 to anything and remembers what reached it; /app-headers/ answers with
    the app's own security headers."""

    port: int = 0
    seen: list[tuple[str, str]] = field(default_factory=list)


def start_stub() -> tuple[ThreadingHTTPServer, Stub]:
    stub = Stub()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            stub.seen.append((self.command, self.path))
            body = b"ok"
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
            if self.path.startswith("/app-headers/"):
                self.send_header("content-security-policy", "default-src 'self'; from-the-app")
                self.send_header("x-frame-options", "DENY")
                self.send_header("x-content-type-options", "nosniff")
                self.send_header("referrer-policy", "same-origin")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, stub


@dataclass
class Proxy:
    port: int
    stub: Stub
    access_log: Path

    def request(self, method: str, path: str, body: bytes | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=body)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[Proxy]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        missing("nginx", "apt-get install nginx")
    server, stub = start_stub()
    state = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = nginx_config(state, port, [stub.port])
    checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(state)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(state), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {process.stderr.read()}") from None
                time.sleep(0.05)
        yield Proxy(port, stub, state / "access.log")
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.shutdown()


def test_pages_get_the_apps_security_headers_when_the_app_sent_none(proxy):
    page = proxy.request("GET", "/field_inspection")
    assert page.status == 200
    assert page.getheader("content-security-policy") == content_security_policy()
    assert page.getheader("x-frame-options") == "DENY"
    assert page.getheader("x-content-type-options") == "nosniff"
    assert page.getheader("referrer-policy") == "same-origin"
    assert page.getheader("strict-transport-security") is None  # HTTPS only
    camera = proxy.request("GET", "/component/streamlit_webrtc.component/index.html")
    assert camera.getheader("content-security-policy") == content_security_policy(framed_by_self=True)
    assert camera.getheader("x-frame-options") == "SAMEORIGIN"


def test_the_apps_own_headers_are_not_doubled(proxy):
    page = proxy.request("GET", "/app-headers/page")
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert len(page.headers.get_all(name)) == 1, name
    assert page.getheader("content-security-policy") == "default-src 'self'; from-the-app"


@pytest.mark.parametrize("path", ["/_stcore/metrics", "//_stcore/metrics", "/_stcore/%6detrics", "/_stcore/metrics?x"])
def test_streamlits_metrics_are_not_served(proxy, path):
    before = len(proxy.stub.seen)
    assert proxy.request("GET", path).status == 403
    assert proxy.stub.seen[before:] == []


def test_sign_in_posts_are_rate_limited_per_client_and_the_form_is_not(proxy):
    statuses = [proxy.request("POST", "/login", b"username=a&password=b").status for _ in range(40)]
    assert statuses[0] == 200 and 429 in statuses
    assert proxy.request("GET", "/login").status == 200


def test_uploads_are_rate_limited_and_their_session_id_stays_out_of_the_access_log(proxy):
    path = f"/_stcore/upload_file/{UPLOAD_SESSION}/file-1"
    assert proxy.request("PUT", path, b"x" * 100).status == 200
    assert ("PUT", path) in proxy.stub.seen  # passed through unchanged
    statuses = [proxy.request("PUT", path, b"x").status for _ in range(60)]
    assert 429 in statuses
    marker = "/after-the-uploads"
    proxy.request("GET", marker)
    for _ in range(100):  # the log line is written as the request ends
        if marker in proxy.access_log.read_text():
            break
        time.sleep(0.05)
    log = proxy.access_log.read_text()
    assert marker in log and UPLOAD_SESSION not in log


def test_the_https_server_passes_nginx_t_and_sends_hsts(tmp_path):
    """deploy/nginx/portsight.conf itself, with its paths, certificate and ports moved to loopback."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        missing("nginx and openssl", "apt-get install nginx openssl")
    server, stub = start_stub()
    https_port, http_port = free_port(), free_port()
    nginx_config(tmp_path, free_port(), [stub.port])  # upstream.conf and locations.conf into tmp_path
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (NGINX_DIR / "portsight.conf").read_text()
    site = site.replace("/etc/nginx/portsight/portsight-upstream.conf", str(tmp_path / "upstream.conf"))
    site = site.replace("/etc/nginx/portsight/portsight-locations.conf", str(tmp_path / "locations.conf"))
    site = site.replace("/etc/ssl/portsight/", f"{tmp_path}/")
    site = re.sub(r"(?m)^\s*listen \[::\].*\n", "", site)
    site = site.replace("listen 443 ", f"listen 127.0.0.1:{https_port} ").replace(
        "listen 80;", f"listen 127.0.0.1:{http_port};"
    )
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    main = (tmp_path / "nginx.conf").read_text()
    main = re.sub(
        r"(?s)    include \S+upstream\.conf;\n    server \{.*?\n    \}\n", f"    include {tmp_path}/site.conf;\n", main
    )
    conf.write_text(main)
    checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        import ssl

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=10, context=context)
        conn.request("GET", "/")
        page = conn.getresponse()
        page.read()
        conn.close()
        assert page.status == 200
        assert page.getheader("strict-transport-security") == "max-age=31536000; includeSubDomains"
        assert page.getheader("content-security-policy") == content_security_policy()
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.shutdown()
