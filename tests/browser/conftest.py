"""The Mini App in a real browser: Debian's chromium driven by Playwright for Python.

- No browser download: chromium is `/usr/bin/chromium` (`.ci/run` installs it), or
  $O2O_TEST_CHROMIUM. Without it the browser tests are skipped, except in CI (CI=true),
  where they fail.
- Telegram's web-app script is the code the npm package `@twa-dev/sdk` ships, and the
  accessibility checker is `axe-core`, both fetched with `npm pack` at set-up (the npm
  registry is the one place CI may reach), kept in pytest's cache, and served to the
  page through Playwright's request routing: the page asks telegram.org as it does in
  Telegram, and nothing leaves the machine.
- The Telegram app around the page is a recorded `window.TelegramWebviewProxy`: every
  event the page posts (MainButton, BackButton, open_link, ...) lands in
  `window.__events`, and Telegram's events to the page are sent with
  `Telegram.WebView.receiveEvent`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from bot.runtime import Runtime
from bot.web import serve_on_free_port
from handlers.router import App
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from tests.conftest import STORY_NOW
from tests.helpers.miniapp import launch_data, miniapp_runtime

CHROMIUM = os.environ.get("O2O_TEST_CHROMIUM", "/usr/bin/chromium")
# Pinned, so every run tests the same scripts.
NPM_PACKAGES = {"sdk": ("@twa-dev/sdk@8.0.2", "package/src/telegram-web-apps.js"),
                "axe": ("axe-core@4.14.1", "package/axe.min.js")}
ARTIFACTS = Path(os.environ.get("O2O_TEST_ARTIFACTS", "test-artifacts")) / "miniapp"
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579",
         "link_color": "#3390ec", "button_color": "#3390ec", "button_text_color": "#ffffff",
         "secondary_bg_color": "#f4f4f5", "destructive_text_color": "#c62828"}
DARK = {"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa",
        "link_color": "#8774e1", "button_color": "#8774e1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#181818", "destructive_text_color": "#ff8a80"}
RECORDER = """
window.__events = [];
window.TelegramWebviewProxy = {postEvent: function (type, data) {
  window.__events.push([type, data ? JSON.parse(data) : null]);
}};
"""


def _unavailable(problem: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI must run the browser tests)")
    pytest.skip(problem)


def _npm_file(cache: Path, spec: str, member: str) -> bytes:
    """`member` of the npm package `spec`, packed once into the cache."""
    tarball = cache / (spec.replace("/", "+").replace("@", "_") + ".tgz")
    if not tarball.exists():
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(["npm", "pack", spec, "--pack-destination", folder,
                                   "--silent"], capture_output=True, text=True, timeout=120)
            packed = list(Path(folder).glob("*.tgz"))
            if done.returncode != 0 or not packed:
                _unavailable(f"npm pack {spec} failed: {done.stderr.strip()[-300:]}")
            os.replace(packed[0], tarball)  # atomic: another worker may do the same
    with tarfile.open(tarball) as archive:
        extracted = archive.extractfile(member)
        assert extracted is not None, f"{member} not in {spec}"
        return extracted.read()


@pytest.fixture(scope="session")
def web_scripts(request: pytest.FixtureRequest) -> dict[str, bytes]:
    """Telegram's web-app script and axe-core, from npm."""
    if shutil.which("npm") is None:
        _unavailable("npm is not installed")
    cache = Path(request.config.cache.mkdir("npm-packs"))
    return {name: _npm_file(cache, spec, member) for name, (spec, member) in
            NPM_PACKAGES.items()}


@dataclass
class Served:
    """The bot's web server on a free port of 127.0.0.1, with its runtime."""

    url: str
    runtime: Runtime
    sent: list[tuple[int, list[Any]]]

    def shop(self, slug: str, init_data: str | None, *, theme: dict[str, str] = LIGHT,
             query: str = "") -> str:
        """The shop's address as Telegram opens it: launch parameters in the hash."""
        address = f"{self.url}/app/shop/{slug}{query}"
        if init_data is None:
            return address
        return address + "#" + urlencode({
            "tgWebAppData": init_data, "tgWebAppVersion": "8.0",
            "tgWebAppPlatform": "android", "tgWebAppThemeParams": json.dumps(theme)},
            quote_via=quote)

    def launch(self, telegram_id: int, **options: Any) -> str:
        return launch_data(telegram_id, STORY_NOW, **options)


@pytest.fixture
async def served(app: App) -> AsyncIterator[Served]:
    runtime = miniapp_runtime(app)
    runner, url = await serve_on_free_port(runtime)
    runtime.app.payments = Payments("sandbox", {"sandbox": SandboxProvider(url)})
    sent: list[tuple[int, list[Any]]] = []

    async def outbox(chat_id: int, replies: list[Any]) -> int:
        sent.append((chat_id, replies))
        return len(replies)

    runtime.outbox = outbox  # type: ignore[assignment]
    yield Served(url, runtime, sent)
    await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless chromium, Debian's."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield launched
        await launched.close()


@pytest.fixture
async def phone(browser: Any, web_scripts: dict[str, bytes], served: Served) -> Any:
    """A 360 px wide phone screen with the Telegram app around the page."""
    context = await browser.new_context(viewport={"width": 360, "height": 740},
                                        device_scale_factor=2, locale="en-US")
    await context.add_init_script(RECORDER)

    async def telegram_script(route: Any) -> None:
        await route.fulfill(status=200, body=web_scripts["sdk"],
                            content_type="application/javascript")

    async def axe_script(route: Any) -> None:
        await route.fulfill(status=200, body=web_scripts["axe"],
                            content_type="application/javascript")

    async def nothing_else(route: Any) -> None:  # the page never leaves the machine
        await route.abort()

    await context.route("**/*", nothing_else)
    await context.route(f"{served.url}/**", lambda route: route.continue_())
    await context.route("https://telegram.org/js/telegram-web-app.js", telegram_script)
    await context.route(f"{served.url}/__tests__/axe.min.js", axe_script)
    page = await context.new_page()
    yield page
    await context.close()
