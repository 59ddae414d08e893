"""The files in deploy/ stay true: every O2O_* setting they name exists, the compose
copy of the nginx site differs from deploy/nginx.conf only in its workers' names, and
nginx itself accepts the site as the tests run it (`nginx -t`)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.nginx import main_config, nginx_binary, site_config
from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FILES = ["docker-compose.yml", "systemd/o2o-worker@.service"]


@pytest.mark.parametrize("name", FILES)
def test_every_setting_a_deploy_file_names_exists(name: str) -> None:
    named = set(re.findall(r"\bO2O_([A-Z0-9_]+)", (DEPLOY / name).read_text()))
    assert named, name
    unknown = {key for key in named if key.lower() not in Settings.model_fields}
    assert not unknown, f"{name} names settings that do not exist: {sorted(unknown)}"


def test_the_workers_run_by_webhook_and_secrets_stay_out_of_the_files() -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    assert compose.count('["run", "--webhook"]') == 2
    assert "${O2O_WEBHOOK_SECRET:?" in compose and "${O2O_BOT_TOKEN:?" in compose
    worker = (DEPLOY / "systemd/o2o-worker@.service").read_text()
    assert "ExecStart=/opt/o2o/venv/bin/o2o run --webhook" in worker
    assert "EnvironmentFile=/etc/o2o/env" in worker


def _body(text: str) -> list[str]:
    """The site without its opening comment and its worker lines."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("upstream"))
    return [line for line in lines[start:] if "# o2o:worker" not in line]


def test_the_compose_site_is_deploy_nginx_conf_with_the_workers_by_name() -> None:
    plain = (DEPLOY / "nginx.conf").read_text()
    compose = (DEPLOY / "nginx-compose.conf").read_text()
    assert _body(compose) == _body(plain)
    assert re.findall(r"server (\S+) .*# o2o:worker", compose) == ["worker1:8081",
                                                                  "worker2:8082"]


def test_the_site_as_the_tests_serve_it_is_valid_nginx(tmp_path: Path) -> None:
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed")
    site = tmp_path / "site.conf"
    site.write_text(site_config(18080, [18081, 18082, 18083]))
    assert "ssl" not in site.read_text() and "listen 127.0.0.1:18080;" in site.read_text()
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_config(tmp_path, site))
    checked = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(conf)],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
