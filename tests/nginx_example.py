"""The shipped nginx example (deploy/nginx) in a main config of a test's own, on loopback ports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

NGINX_DIR = Path(__file__).resolve().parents[1] / "deploy" / "nginx"


def nginx_config(state: Path, listen: int, replicas: list[int]) -> Path:
    """The shipped upstream and locations with our ports, in a main config of our own."""
    upstream = (NGINX_DIR / "portsight-upstream.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in replicas)
    upstream, shipped = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+ .*\n", "", upstream)
    assert shipped == 2, "deploy/nginx/portsight-upstream.conf should list two replicas"
    upstream = upstream.replace(
        "    hash $portsight_route consistent;\n", "    hash $portsight_route consistent;\n" + servers
    )
    (state / "upstream.conf").write_text(upstream)
    shutil.copy(NGINX_DIR / "portsight-locations.conf", state / "locations.conf")
    (state / "temp").mkdir(exist_ok=True)
    conf = state / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {state}/access.log;
    client_body_temp_path {state}/temp/body;
    proxy_temp_path {state}/temp/proxy;
    fastcgi_temp_path {state}/temp/fastcgi;
    uwsgi_temp_path {state}/temp/uwsgi;
    scgi_temp_path {state}/temp/scgi;
    include {state}/upstream.conf;
    server {{
        listen 127.0.0.1:{listen};
        include {state}/locations.conf;
    }}
}}
""")
    return conf
