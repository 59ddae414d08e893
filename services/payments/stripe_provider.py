"""Stripe Checkout as a payment provider.

The buyer pays on a Stripe-hosted Checkout page (`create_link`); Stripe tells us about
the payment with a signed webhook (`parse_webhook`); money goes back with a Refund
(`refund`). Every call to Stripe goes through the official `stripe` SDK with its
aiohttp client, so nothing blocks the event loop, and to `api_base`, which tests point
at the local stand-in (`standins.stripe_api`).

A booking's deposit is paid the same way: its session says `booking_id` in the
metadata and `booking-<id>` as the client reference, where an order's says `order_id`
and the bare id, and the webhook's notice names the purpose.

Creating a session is idempotent per order (key `order-<id>-checkout`; a deposit's
`booking-<id>-deposit`). Stripe replays
an idempotent request only when its parameters are the same as the first time, so the
parameters of an order's session must not drift between a first try and a retry; the
only time-dependent one, `expires_at`, is therefore rounded up to a whole
`_EXPIRY_STEP` and, should a retry still land on another step, the earlier steps are
tried (see `_create_session`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import stripe
import structlog

from services.payments.base import (
    BOOKING,
    ORDER,
    Checkout,
    PaymentError,
    PaymentLink,
    PaymentNotice,
    RefundOutcome,
    WebhookError,
)

log = structlog.get_logger("o2o.payments.stripe")

# Stripe refuses a Checkout Session that expires less than 30 minutes or more than
# 24 hours after it is created.
_MIN_LIFETIME = timedelta(minutes=30) + timedelta(minutes=1)
_MAX_LIFETIME = timedelta(hours=24) - timedelta(minutes=5)
_EXPIRY_STEP = 5 * 60  # seconds; expires_at is a multiple of this
# How far back a retry looks for the expiry its first try used: a first try whose
# session is still open was made less than _MIN_LIFETIME + one step ago.
_RETRY_WINDOW = int(_MIN_LIFETIME.total_seconds()) + 2 * _EXPIRY_STEP
WEBHOOK_TOLERANCE = 300  # seconds a signed webhook stays acceptable (replay window)
_PAID_EVENTS = frozenset({
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
})
_ORDER_ID = re.compile(r"[0-9]{1,18}")
_BOOKING_REF = re.compile(r"booking-([0-9]{1,18})")
_LOCALES = {"zh": "zh", "en": "en"}
_REFUND_OK = frozenset({"succeeded", "pending"})


def _short(exc: stripe.StripeError) -> str:
    """Stripe's own message for an error, on one line and not too long."""
    message = exc.user_message or str(exc) or type(exc).__name__
    message = " ".join(str(message).split())
    return message if len(message) <= 200 else message[:197] + "..."


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class StripeProvider:
    """Stripe Checkout behind the `PaymentProvider` interface."""

    name = "stripe"

    def __init__(
        self, secret_key: str, webhook_secret: str, api_base: str, public_url: str, *,
        max_network_retries: int = 2, timeout: float = 30.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Talk to Stripe at `api_base` with `secret_key`; verify webhooks with
        `webhook_secret`; send buyers back to `public_url`/pay/done (or /pay/cancelled).

        `clock` (aware UTC `datetime`s) is for tests; it defaults to the wall clock.
        A missing key or secret is a misconfiguration and raises `PaymentError`.
        """
        if not secret_key or not secret_key.strip():
            raise PaymentError("Stripe is not configured: the secret key is empty")
        if not webhook_secret or not webhook_secret.strip():
            raise PaymentError("Stripe is not configured: the webhook signing secret is empty")
        if not api_base.startswith(("http://", "https://")):
            raise PaymentError(f"Stripe API base must be an http(s) URL, not {api_base!r}")
        self._webhook_secret = webhook_secret.strip()
        self._public_url = public_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._http = stripe.AIOHTTPClient(timeout=aiohttp.ClientTimeout(total=timeout))
        self._client = stripe.StripeClient(
            secret_key.strip(),
            base_addresses={"api": api_base.rstrip("/")},
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    async def aclose(self) -> None:
        """Close the HTTP connections to Stripe (call once when shutting down)."""
        await self._http.close_async()

    # ------------------------------------------------------------ paying

    async def create_link(self, checkout: Checkout) -> PaymentLink:
        """Create (or, for the same order, find again) a Checkout Session to pay it."""
        if checkout.quantity < 1 or checkout.amount < 0:
            raise PaymentError(
                f"order {checkout.order_id}: nothing to pay "
                f"(quantity {checkout.quantity}, amount {checkout.amount})"
            )
        now = _as_utc(self._clock())
        expires_at = self._expiry(now, _as_utc(checkout.expires_at))
        key = (f"booking-{checkout.order_id}-deposit" if checkout.purpose == BOOKING
               else f"order-{checkout.order_id}-checkout")
        session = await self._create_session(checkout, key, expires_at, now)
        url = getattr(session, "url", None)
        if not url:
            raise PaymentError(f"Stripe gave no payment page for order {checkout.order_id}")
        log.info("stripe_session", order_id=checkout.order_id, session=session.id)
        return PaymentLink(provider=self.name, provider_ref=str(session.id), url=str(url))

    def _session_params(self, checkout: Checkout, expires_at: int) -> dict[str, Any]:
        if checkout.amount % checkout.quantity == 0:
            unit_amount, quantity = checkout.amount // checkout.quantity, checkout.quantity
        else:
            unit_amount, quantity = checkout.amount, 1
        product: dict[str, Any] = {"name": checkout.title}
        if checkout.description.strip():
            product["description"] = checkout.description.strip()[:500]
        booking = checkout.purpose == BOOKING
        metadata = {"booking_id" if booking else "order_id": str(checkout.order_id)}
        return {
            "mode": "payment",
            "line_items": [{
                "price_data": {
                    "currency": checkout.currency.lower(),
                    "unit_amount": unit_amount,
                    "product_data": product,
                },
                "quantity": quantity,
            }],
            "client_reference_id": (f"booking-{checkout.order_id}" if booking
                                    else str(checkout.order_id)),
            "metadata": metadata,
            "payment_intent_data": {"metadata": dict(metadata)},
            "expires_at": expires_at,
            "locale": _LOCALES.get(checkout.lang, "auto"),
            "success_url": f"{self._public_url}/pay/done",
            "cancel_url": f"{self._public_url}/pay/cancelled",
        }

    @staticmethod
    def _expiry(now: datetime, hold_ends: datetime) -> int:
        """The later of the stock hold's end and 31 minutes from now (Stripe's minimum),
        at most Stripe's 24 hours, rounded up to a whole `_EXPIRY_STEP`."""
        wanted = min(max(hold_ends, now + _MIN_LIFETIME), now + _MAX_LIFETIME)
        return math.ceil(wanted.timestamp() / _EXPIRY_STEP) * _EXPIRY_STEP

    async def _create_session(self, checkout: Checkout, key: str, expires_at: int,
                              now: datetime) -> stripe.checkout.Session:
        # A retry of an order whose first try rounded to an earlier step gets an
        # idempotency error; that first session is still open (and worth returning)
        # only if its expiry lies ahead, so at most the steps from now on are tried.
        earliest = max(now.timestamp(), expires_at - _RETRY_WINDOW)
        candidate = expires_at
        while True:
            try:
                return await self._client.v1.checkout.sessions.create_async(
                    params=self._session_params(checkout, candidate),  # type: ignore[arg-type]
                    options={"idempotency_key": key},
                )
            except stripe.IdempotencyError as exc:
                candidate -= _EXPIRY_STEP
                if candidate <= earliest:
                    raise PaymentError(
                        f"Stripe already has a different payment page for order "
                        f"{checkout.order_id}: {_short(exc)}"
                    ) from None
            except stripe.AuthenticationError as exc:
                raise PaymentError(f"Stripe refused our API key: {_short(exc)}") from None
            except stripe.APIConnectionError:
                raise PaymentError("could not reach Stripe") from None
            except stripe.StripeError as exc:
                raise PaymentError(f"Stripe refused the checkout: {_short(exc)}") from None

    async def close(self, provider_ref: str) -> bool:
        """Expire Checkout Session `provider_ref` so its page no longer takes money.

        Stripe expires only open sessions: for one that is no longer open, its status
        says whether it can still be paid (expired: no; complete: it was paid, and the
        webhook that says so is refunded as a payment for a closed order).
        """
        if not provider_ref.startswith("cs_"):
            return False
        try:
            await self._client.v1.checkout.sessions.expire_async(provider_ref)
            log.info("stripe_session_expired", session=provider_ref)
            return True
        except stripe.InvalidRequestError as exc:
            refused = _short(exc)
        except stripe.APIConnectionError:
            log.warning("stripe_expire_failed", session=provider_ref, error="unreachable")
            return False
        except stripe.StripeError as exc:
            log.warning("stripe_expire_failed", session=provider_ref, error=_short(exc))
            return False
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(provider_ref)
        except stripe.StripeError as exc:
            log.warning("stripe_expire_failed", session=provider_ref, error=refused,
                        then=_short(exc))
            return False
        status = getattr(session, "status", None)
        log.info("stripe_session_not_open", session=provider_ref, status=status)
        return status == "expired"

    # ------------------------------------------------------------ webhooks

    def verify_callback(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice | None:
        """A webhook POST from Stripe: verified by its Stripe-Signature header."""
        return self.parse_webhook(body, headers.get("Stripe-Signature", ""))

    def parse_webhook(self, payload: bytes, signature_header: str) -> PaymentNotice | None:
        """Verify a webhook from Stripe and say which order it paid, if any.

        Returns a `PaymentNotice` for a paid Checkout Session, None for any other event
        (acknowledge it and move on). Raises `WebhookError` for a missing or wrong
        signature, a signature older than five minutes (a replay) and a malformed body.
        """
        if not payload:
            raise WebhookError("empty body")
        try:
            event = self._client.construct_event(
                payload, signature_header, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE
            )
            data = event.to_dict()
        except stripe.SignatureVerificationError as exc:
            raise WebhookError(f"bad Stripe signature: {exc.user_message or exc}") from None
        except (ValueError, TypeError, KeyError, AttributeError):  # JSON, UTF-8, shape
            raise WebhookError("malformed Stripe event") from None
        if not isinstance(data, dict):
            raise WebhookError("malformed Stripe event")
        event_type = data.get("type")
        if event_type not in _PAID_EVENTS:
            return None
        session = (data.get("data") or {}).get("object")
        if not isinstance(session, dict) or session.get("object") != "checkout.session":
            raise WebhookError(f"{event_type} without a checkout session")
        if session.get("payment_status") != "paid":
            return None  # e.g. a bank transfer still on its way; its success comes later
        purpose, target = self._target(session)
        return PaymentNotice(
            provider=self.name,
            order_id=target,
            purpose=purpose,
            amount=self._amount(session),
            currency=self._currency(session),
            charge_id=self._payment_intent(session),
            provider_ref=str(session.get("id") or ""),
        )

    @classmethod
    def _target(cls, session: dict[str, Any]) -> tuple[str, int]:
        """What a session paid: ("order", id) or ("booking", id)."""
        metadata = session.get("metadata")
        booking = metadata.get("booking_id") if isinstance(metadata, dict) else None
        reference = session.get("client_reference_id")
        if booking in (None, "") and not (isinstance(reference, str)
                                          and reference.startswith("booking-")):
            return ORDER, cls._order_id(session)
        if isinstance(metadata, dict) and metadata.get("order_id") not in (None, ""):
            raise WebhookError("Stripe session naming both an order and a booking")
        match = _BOOKING_REF.fullmatch(str(reference or ""))
        if match is None or str(booking) != match.group(1) or int(match.group(1)) <= 0:
            raise WebhookError("Stripe session with a garbled booking id")
        return BOOKING, int(match.group(1))

    @staticmethod
    def _order_id(session: dict[str, Any]) -> int:
        metadata = session.get("metadata")
        from_metadata = metadata.get("order_id") if isinstance(metadata, dict) else None
        candidates = {str(v) for v in (session.get("client_reference_id"), from_metadata)
                      if v not in (None, "")}
        if not candidates:
            raise WebhookError("Stripe session without an order id")
        if len(candidates) > 1:
            raise WebhookError("Stripe session with two different order ids")
        (raw,) = candidates
        if not _ORDER_ID.fullmatch(raw) or int(raw) <= 0:
            raise WebhookError(f"Stripe session with a garbled order id {raw[:40]!r}")
        return int(raw)

    @staticmethod
    def _amount(session: dict[str, Any]) -> int:
        amount = session.get("amount_total")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise WebhookError("Stripe session without a valid amount_total")
        return amount

    @staticmethod
    def _currency(session: dict[str, Any]) -> str:
        currency = session.get("currency")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency):
            raise WebhookError("Stripe session without a valid currency")
        return currency.upper()

    @staticmethod
    def _payment_intent(session: dict[str, Any]) -> str:
        intent = session.get("payment_intent")
        if isinstance(intent, dict):  # expanded
            intent = intent.get("id")
        if not isinstance(intent, str) or not intent:
            raise WebhookError("paid Stripe session without a payment intent")
        return intent

    # ------------------------------------------------------------ refunds

    async def refund(
        self, charge_id: str, amount: int, currency: str, *, user_telegram_id: int,
        idempotency_key: str, whole: bool = False,
    ) -> RefundOutcome:
        """Refund `amount` of payment intent (or charge) `charge_id`, all of it or a part
        (`whole` changes nothing: Stripe refunds any amount up to what is left); safe to
        retry with the same `idempotency_key`. A refusal is `ok=False` with Stripe's reason."""
        if not charge_id:
            return RefundOutcome(ok=False, error="no Stripe payment to refund")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            return RefundOutcome(ok=False, error=f"refund amount must be positive, not {amount}")
        target = "charge" if charge_id.startswith(("ch_", "py_")) else "payment_intent"
        params: dict[str, Any] = {
            target: charge_id,
            "amount": amount,
            "metadata": {"user_telegram_id": str(user_telegram_id)},
        }
        try:
            refund = await self._client.v1.refunds.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.AuthenticationError as exc:
            raise PaymentError(f"Stripe refused our API key: {_short(exc)}") from None
        except stripe.APIConnectionError:
            return RefundOutcome(ok=False, error="could not reach Stripe; try again")
        except stripe.StripeError as exc:
            log.warning("stripe_refund_refused", charge=charge_id, error=_short(exc))
            return RefundOutcome(ok=False, error=_short(exc))
        status = getattr(refund, "status", None)
        if status not in _REFUND_OK:
            reason = getattr(refund, "failure_reason", None) or status
            return RefundOutcome(ok=False, reference=str(refund.id),
                                 error=f"Stripe refund {status}: {reason}")
        refunded_currency = str(getattr(refund, "currency", "") or "").upper()
        if refunded_currency and refunded_currency != currency.upper():
            log.warning("stripe_refund_currency", charge=charge_id, asked=currency,
                        refunded=refunded_currency)
        return RefundOutcome(ok=True, reference=str(refund.id))
