"""Payment providers for stories, against the local stand-ins (127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from handlers.router import App
from services.payments import Payments
from services.payments.stripe_provider import StripeProvider
from standins.stripe_api import StripeStandIn


@asynccontextmanager
async def stripe_for(app: App) -> AsyncIterator[StripeStandIn]:
    """The app takes payments through Stripe Checkout, served by the local stand-in."""
    async with StripeStandIn() as stripe_api:
        app.payments = Payments("stripe", {"stripe": StripeProvider(
            secret_key=stripe_api.secret_key, webhook_secret=stripe_api.webhook_secret,
            api_base=stripe_api.base_url, public_url="http://127.0.0.1:8080")})
        yield stripe_api
