"""`o2o run --webhook` that is SIGKILLed right after it handled its first update (the
handler's writes committed, its replies sent) and before anything else happens: the
moment a worker used to die before marking the update done in the update-id ledger.
Run by tests/e2e/test_webhook_e2e.py, with the arguments of `o2o run`:

    python -m tests.helpers.webhook_dying_child run --webhook --api-base URL ...
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from bot import cli
from bot.webhook import Webhook

_serve = Webhook.serve


async def _serve_then_die(self: Webhook, parse: Any, handle: Any, register: Any,
                          perform: Any, stop: Any = None) -> None:
    async def handle_then_die(update: Any) -> None:
        await handle(update)
        print("handled; dying", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    await _serve(self, parse, handle_then_die, register, perform, stop)


Webhook.serve = _serve_then_die  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
