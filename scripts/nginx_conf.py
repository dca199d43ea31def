"""Render deploy/nginx/townhall.conf.template into a working nginx.conf.

    .venv/bin/python -m scripts.nginx_conf --node 10.0.0.11:8000 --node 10.0.0.12:8000 \\
        --listen "443 ssl" --server-name petitions.example.org \\
        --tls-certificate /etc/ssl/petitions.pem --tls-key /etc/ssl/private/petitions.key \\
        --static-root /srv/townhall/staticfiles > /etc/nginx/nginx.conf

The scale-out test renders the template with this same function, so the documented
configuration is the tested one. Every {{NAME}} in the template must be filled: an
unknown or missing value is an error, never a silently broken file.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "townhall.conf.template"
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
NODE = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d+$")


def render(
    *,
    nodes: Sequence[str],
    listen: str,
    static_root: str,
    server_name: str = "_",
    access_log: str = "/var/log/nginx/townhall.access.log",
    error_log: str = "/var/log/nginx/townhall.error.log",
    cache_dir: str = "/var/cache/nginx/townhall",
    temp_dir: str = "/var/lib/nginx",
    mime_types: str = "/etc/nginx/mime.types",
    tls_certificate: str = "",
    tls_key: str = "",
    template: Path = TEMPLATE,
) -> str:
    """The nginx configuration for web nodes given as host:port, in the order given."""
    if not nodes:
        raise ValueError("at least one web node (host:port) is needed")
    for node in nodes:
        if not NODE.match(node):
            raise ValueError(f"a web node must be host:port, got {node!r}")
    if bool(tls_certificate) != bool(tls_key):
        raise ValueError("a TLS certificate needs its key, and a key its certificate")
    tls = ""
    if tls_certificate:
        tls = "\n".join(
            [
                f"        ssl_certificate {tls_certificate};",
                f"        ssl_certificate_key {tls_key};",
                "        ssl_protocols TLSv1.2 TLSv1.3;",
                "        ssl_session_cache shared:townhall_tls:10m;",
            ]
        )
    values = {
        "UPSTREAM_SERVERS": "\n".join(f"        server {node} max_fails=3 fail_timeout=10s;" for node in nodes),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "TLS": tls,
        "STATIC_ROOT": static_root.rstrip("/"),
        "ACCESS_LOG": access_log,
        "ERROR_LOG": error_log,
        "CACHE_DIR": cache_dir,
        "TEMP_DIR": temp_dir.rstrip("/"),
        "MIME_TYPES": mime_types,
    }
    for name, value in values.items():
        if name not in {"TLS", "UPSTREAM_SERVERS"} and (not value.strip() or re.search(r"[;{}\n]", value)):
            raise ValueError(f"{name.lower()} must be set, without ; {{ }} or line breaks, got {value!r}")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"the template asks for {{{{{name}}}}}, which the renderer does not know")
        return values[name]

    return PLACEHOLDER.sub(fill, template.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.nginx_conf", description=__doc__.split("\n\n")[0])
    parser.add_argument("--node", action="append", required=True, help="a web node as host:port (repeat)")
    parser.add_argument("--listen", required=True, help='what nginx listens on, e.g. "443 ssl" or 127.0.0.1:8080')
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT that collectstatic filled")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--access-log", default="/var/log/nginx/townhall.access.log")
    parser.add_argument("--error-log", default="/var/log/nginx/townhall.error.log")
    parser.add_argument("--cache-dir", default="/var/cache/nginx/townhall")
    parser.add_argument("--temp-dir", default="/var/lib/nginx")
    parser.add_argument("--mime-types", default="/etc/nginx/mime.types")
    parser.add_argument("--tls-certificate", default="")
    parser.add_argument("--tls-key", default="")
    args = parser.parse_args(argv)
    try:
        text = render(
            nodes=args.node,
            listen=args.listen,
            static_root=args.static_root,
            server_name=args.server_name,
            access_log=args.access_log,
            error_log=args.error_log,
            cache_dir=args.cache_dir,
            temp_dir=args.temp_dir,
            mime_types=args.mime_types,
            tls_certificate=args.tls_certificate,
            tls_key=args.tls_key,
        )
    except ValueError as error:
        parser.error(str(error))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
