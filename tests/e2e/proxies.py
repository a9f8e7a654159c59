"""Start the shipped proxy configurations for real, rewritten for a temp folder and port.

Each example is read from `examples/`, and only its placeholders (the folder
`/srv/thumbnails`, the backend `127.0.0.1:8000`, port 80) are replaced; the
server-wide settings a packaged install would give (pid file, logs, modules)
are written around it here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .support import LOOPBACK, Process, require_binary, start_process, substitute

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLACEHOLDER_DIR = "/srv/thumbnails"
PROXIES = ("nginx", "apache", "lighttpd", "caddy")
# The response backend each proxy understands.
RESPONSE_BACKEND = {
    "nginx": "nginx",
    "caddy": "nginx",
    "apache": "sendfile",
    "lighttpd": "sendfile",
}
APACHE_MODULES = "/usr/lib/apache2/modules"


def start_proxy(
    kind: str,
    *,
    workdir: Path,
    port: int,
    thumbnails_dir: Path,
    backend_port: int,
    site: str | None = None,
    started: Callable[[Process], None],
) -> Process:
    """Start `kind` on 127.0.0.1:`port`; `site` replaces the example (nginx only).

    `started` gets the process before it is ready, so a caller can always stop it.
    """
    starter = {
        "nginx": _nginx,
        "apache": _apache,
        "lighttpd": _lighttpd,
        "caddy": _caddy,
    }[kind]
    folder = workdir / kind
    folder.mkdir()
    process = starter(folder, port, str(thumbnails_dir), backend_port, site)
    started(process)
    process.wait_for_port(port)
    return process


def _example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def _nginx(folder: Path, port: int, root: str, backend: int, site: str | None) -> Process:
    binary = require_binary("nginx", package="nginx")
    if site is None:
        site = substitute(
            _example("nginx.conf"),
            {
                "listen 80;": f"listen {LOOPBACK}:{port};",
                f'root "{PLACEHOLDER_DIR}";': f'root "{root}";',
                "server 127.0.0.1:8000;": f"server {LOOPBACK}:{backend};",
            },
            source="examples/nginx.conf",
        )
    (folder / "site.conf").write_text(site, encoding="utf-8")
    temp_paths = "".join(
        f"    {kind}_temp_path {folder}/{kind}_temp;\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    sendfile on;
{temp_paths}    include {folder}/site.conf;
}}
""",
        encoding="utf-8",
    )
    process = start_process(
        "nginx",
        [binary, "-p", f"{folder}/", "-e", f"{folder}/error.log", "-c", f"{folder}/nginx.conf"],
        workdir=folder,
    )
    process.extra_logs += [folder / "error.log", folder / "access.log"]
    return process


def _apache(folder: Path, port: int, root: str, backend: int, site: str | None) -> Process:
    binary = require_binary("apache2", package="apache2")
    if not Path(APACHE_MODULES, "mod_xsendfile.so").is_file():
        require_binary("mod_xsendfile.so", package="libapache2-mod-xsendfile")
    site = substitute(
        _example("apache.conf"),
        {
            "<VirtualHost *:80>": f"<VirtualHost {LOOPBACK}:{port}>",
            f'"{PLACEHOLDER_DIR}"': f'"{root}"',
            "http://127.0.0.1:8000/": f"http://{LOOPBACK}:{backend}/",
        },
        source="examples/apache.conf",
    )
    (folder / "site.conf").write_text(site, encoding="utf-8")
    modules = "".join(
        f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so\n"
        for name in (
            "mpm_event",
            "authz_core",
            "authz_host",
            "mime",
            "rewrite",
            "proxy",
            "proxy_http",
            "headers",
            "xsendfile",
        )
    )
    # As root Apache must switch to an unprivileged user (the temp folders are public).
    user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
    (folder / "httpd.conf").write_text(
        f"""\
ServerRoot "{folder}"
DefaultRuntimeDir "{folder}"
PidFile "{folder}/httpd.pid"
ErrorLog "{folder}/error.log"
LogLevel warn
ServerName {LOOPBACK}
Listen {LOOPBACK}:{port}
{modules}TypesConfig /etc/mime.types
{user}Include "{folder}/site.conf"
""",
        encoding="utf-8",
    )
    process = start_process(
        "apache", [binary, "-f", f"{folder}/httpd.conf", "-DFOREGROUND"], workdir=folder
    )
    process.extra_logs.append(folder / "error.log")
    return process


def _lighttpd(folder: Path, port: int, root: str, backend: int, site: str | None) -> Process:
    binary = require_binary("lighttpd", package="lighttpd")
    config = substitute(
        _example("lighttpd.conf"),
        {
            "server.port = 80\n": f'server.port = {port}\nserver.bind = "{LOOPBACK}"\n',
            f'"{PLACEHOLDER_DIR}"': f'"{root}"',
            '"port" => 8000,': f'"port" => {backend},',
        },
        source="examples/lighttpd.conf",
    )
    (folder / "lighttpd.conf").write_text(config, encoding="utf-8")
    return start_process(
        "lighttpd", [binary, "-D", "-f", f"{folder}/lighttpd.conf"], workdir=folder
    )


def _caddy(folder: Path, port: int, root: str, backend: int, site: str | None) -> Process:
    binary = require_binary("caddy", package="caddy")
    config = substitute(
        _example("Caddyfile"),
        {
            ":80 {\n": f":{port} {{\n\tbind {LOOPBACK}\n",
            f"root * {PLACEHOLDER_DIR}": f'root * "{root}"',
            "reverse_proxy 127.0.0.1:8000": f"reverse_proxy {LOOPBACK}:{backend}",
        },
        source="examples/Caddyfile",
    )
    # A test instance: no admin endpoint, no certificates, state in the temp folder.
    config = "{\n\tadmin off\n\tauto_https off\n}\n\n" + config
    (folder / "Caddyfile").write_text(config, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
    }
    return start_process(
        "caddy",
        [binary, "run", "--adapter", "caddyfile", "--config", f"{folder}/Caddyfile"],
        workdir=folder,
        env=env,
    )
