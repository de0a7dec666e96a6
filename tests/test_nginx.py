"""docs/DEPLOY.md's nginx block, run in a real nginx (Debian's package) in front of ``python -m board serve``.

The block is read from the document itself; only the upstream servers, the
listening port and the certificate paths are replaced (a self-signed
certificate made here), so what is tested is what an administrator copies.
Through it: a real Chromium shows the wall and the overview (their websocket,
static files and health checks pass), a websocket client speaking Streamlit's
protobuf runs a page over TLS, and the upload endpoint, other methods and
request bodies are refused by nginx before they reach the web server.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser_support import Server, require_chromium, start_server
from tests.harness import ROOT, free_port
from tests.streamlit_client import StreamlitClient, text_of

NGINX = os.environ.get("BOARD_NGINX", "/usr/sbin/nginx")


def _require_nginx() -> None:
    if not Path(NGINX).exists():
        reason = f"no nginx at {NGINX} (make test installs Debian's nginx)"
        if os.environ.get("BOARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; BOARD_REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(reason)


def deploy_block() -> str:
    text = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/DEPLOY.md should hold exactly one nginx block"
    return blocks[0]


def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress")
                                                                        .ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    pem, key_pem = folder / "cert.pem", folder / "key.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return pem, key_pem


def nginx_conf(folder: Path, upstream_port: int, port: int) -> Path:
    """The DEPLOY block with our upstream, port and certificate, inside a minimal main configuration."""
    pem, key = _certificate(folder)
    block = deploy_block()
    block, n_up = re.subn(r"(upstream ohjaustaulu \{.*?)((?:\s*server [^;]+;)+)",
                          lambda m: m.group(1) + f"\n    server 127.0.0.1:{upstream_port};", block, flags=re.S)
    block, n_listen = re.subn(r"listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;", block)
    block, n_cert = re.subn(r"ssl_certificate\s+\S+;", f"ssl_certificate {pem};", block)
    block, n_key = re.subn(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", block)
    assert (n_up, n_listen, n_cert, n_key) == (1, 1, 1, 1), "the DEPLOY block changed shape; update this test"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} info;
events {{ worker_connections 256; }}
http {{
    access_log {folder / 'access.log'};
    client_body_temp_path {folder / 'body'};
    proxy_temp_path {folder / 'proxy'};
    fastcgi_temp_path {folder / 'fastcgi'};
    uwsgi_temp_path {folder / 'uwsgi'};
    scgi_temp_path {folder / 'scgi'};
{block}
}}
""", encoding="utf-8")
    return conf


class Proxy:
    def __init__(self, server: Server, folder: Path) -> None:
        self.server = server
        self.folder = folder
        port = free_port()
        conf = nginx_conf(folder, server.port, port)
        self.base = f"https://127.0.0.1:{port}"
        self.proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL,
                                     stderr=(folder / "nginx.stderr").open("w"))
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{self.base}/_stcore/health", verify=False, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"nginx did not start: {(folder / 'nginx.stderr').read_text()}"
                            f"{(folder / 'error.log').read_text() if (folder / 'error.log').exists() else ''}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    _require_nginx()
    tmp = tmp_path_factory.mktemp("nginx")
    server = start_server(tmp)
    folder = tmp / "nginx"
    folder.mkdir()
    p = Proxy(server, folder)
    yield p
    p.stop()
    server.stop()


def _server_log(proxy: Proxy) -> str:
    return (proxy.server.tmp / "server.log").read_text()


def test_a_page_runs_over_the_proxied_websocket(proxy: Proxy) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    client = StreamlitClient(proxy.base, ssl_context=context)
    with client:
        text = text_of(client.run("wall", "station=kajaani"))
    assert "Kajaani" in text
    assert client.session_id


def test_uploads_other_methods_and_bodies_stop_at_nginx(proxy: Proxy) -> None:
    with httpx.Client(base_url=proxy.base, verify=False, timeout=10) as http:
        upload = http.put("/_stcore/upload_file/some-session/some-file", files={"file": ("x.bin", b"x" * 100_000)})
        assert upload.status_code in (404, 413) and "nginx" in upload.text
        small_upload = http.put("/_stcore/upload_file/s/f", content=b"x")
        assert small_upload.status_code == 404
        post = http.post("/", content=b"x" * 10)
        assert post.status_code == 403 and "nginx" in post.text
        big = http.post("/", content=b"x" * 200_000)
        assert big.status_code == 413
        assert http.get("/_stcore/health").status_code == 200
    # None of it reached the web server: nginx answered every one itself.
    access = (proxy.folder / "access.log").read_text()
    assert access.count("upload_file") == 2
    assert "upload_file" not in _server_log(proxy)


@pytest.mark.browser
def test_chromium_shows_the_wall_and_overview_through_nginx(proxy: Proxy, browser: Any) -> None:
    require_chromium()
    refused: list[str] = []
    page = browser.new_page(ignore_https_errors=True)
    try:
        # (Streamlit's frontend first probes /wall/_stcore/… for a base path; the server's 404 there is normal.)
        page.on("response", lambda r: refused.append(f"{r.status} {r.url}")
                if r.status >= 400 and "/wall/_stcore/" not in r.url else None)
        page.goto(f"{proxy.base}/wall?station=kajaani")
        page.wait_for_selector('.wall[data-station="kajaani"]', timeout=30_000)
        assert page.locator("h1").first.inner_text() == "Kajaanin terveysasema"
        page.screenshot(path=str(proxy.folder / "wall-through-nginx.png"))
        page.goto(f"{proxy.base}/?station=kajaani")
        page.wait_for_selector("text=Kajaanin terveysasema", timeout=30_000)
        page.screenshot(path=str(proxy.folder / "overview-through-nginx.png"))
    finally:
        page.close()
    assert refused == [], f"nginx or the server refused what the pages needed: {refused}"
