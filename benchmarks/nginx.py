"""Debian's nginx in front of webhook workers, with the configuration in deploy/.

`nginx_proxy(port, workers, folder)` runs `nginx` as a child process (not a daemon)
with its own prefix, pid file, logs and temporary files in `folder`, on 127.0.0.1:
`port`, proxying to the workers' ports, and stops it afterwards. The site is
deploy/nginx.conf with the lines marked `o2o:` replaced (`site_config`): the tests and
`o2o bench load --webhook` run the file operators deploy.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from benchmarks.workers import stop_process

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    """The nginx executable (Debian puts it in /usr/sbin), or None."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)),
        None)


def site_config(listen: int, workers: Sequence[int], template: str | None = None) -> str:
    """deploy/nginx.conf served on plain HTTP at 127.0.0.1:`listen` (no TLS) in front of
    workers on 127.0.0.1 at `workers`' ports."""
    text = template if template is not None else SITE.read_text(encoding="utf-8")
    lines: list[str] = []
    servers_written = False
    for line in text.splitlines():
        if "# o2o:tls" in line:
            continue
        if "# o2o:listen" in line:
            lines.append(re.sub(r"listen\s+[^;]+;.*", f"listen 127.0.0.1:{listen};", line))
            continue
        if "# o2o:worker" in line:
            if not servers_written:
                indent = line[: len(line) - len(line.lstrip())]
                lines += [f"{indent}server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;"
                          for port in workers]
                servers_written = True
            continue
        lines.append(line)
    if not servers_written:
        raise ValueError("the nginx template has no `# o2o:worker` line")
    return "\n".join(lines) + "\n"


def main_config(folder: Path, site: Path) -> str:
    """nginx's main file: everything nginx writes kept in `folder`, the site included."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\n"
        f"pid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"  access_log off;\n"
        f"  client_body_temp_path {folder}/body;\n"
        f"  proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi;\n"
        f"  uwsgi_temp_path {folder}/uwsgi;\n"
        f"  scgi_temp_path {folder}/scgi;\n"
        f"  include {site};\n"
        "}\n")


@contextlib.asynccontextmanager
async def nginx_proxy(port: int, workers: Sequence[int], folder: Path,
                      cpu: int | None = None) -> AsyncIterator[asyncio.subprocess.Process]:
    """nginx on 127.0.0.1:`port` in front of `workers` (see the module docstring),
    stopped (SIGQUIT: finish what is in flight, then SIGKILL) on the way out."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (apt-get install -y nginx)")
    folder.mkdir(parents=True, exist_ok=True)
    site = folder / "o2o-site.conf"
    site.write_text(site_config(port, workers), encoding="utf-8")
    conf = folder / "nginx.conf"
    conf.write_text(main_config(folder, site), encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        binary, "-p", str(folder), "-c", str(conf), "-g", "daemon off;",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        if cpu is not None:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(proc.pid, {cpu})
        await _until_listening(proc, port, folder)
        yield proc
    finally:
        await stop_process(proc, 10, signal.SIGQUIT)  # nginx: finish requests, then quit


async def _until_listening(proc: asyncio.subprocess.Process, port: int, folder: Path,
                           timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if proc.returncode is not None:
            err = (await proc.stderr.read()).decode() if proc.stderr else ""
            log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
            raise RuntimeError(f"nginx exited ({proc.returncode}): {err}{log}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nginx did not listen on {port} within {timeout} s")
