"""A local stand-in for the Stripe API (the parts Checkout needs), served on 127.0.0.1.

It answers the official `stripe` SDK the way Stripe does, so `StripeProvider` can be
tested without the internet:

- `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}`,
  `POST /v1/checkout/sessions/{id}/expire` (open sessions only, as at Stripe),
  `POST /v1/refunds`, `GET /v1/refunds/{id}`, `GET /v1/payment_intents/{id}`;
- form-encoded parameters in Stripe's bracket notation (`line_items[0][quantity]`),
  decoded into nested dicts and lists;
- `Authorization: Bearer sk_...` (or HTTP basic auth with the key as user name) is
  required; anything else gets 401 in Stripe's error shape;
- `Idempotency-Key`: the same key with the same parameters replays the first answer
  (header `Idempotent-Replayed: true`); with other parameters it is a 400
  `idempotency_error`, as at Stripe;
- validation errors are 400 `{"error": {"type": "invalid_request_error", ...}}` with
  Stripe's codes (`parameter_missing`, `parameter_unknown`, `amount_too_large`,
  `charge_already_refunded`, `resource_missing`, ...).

The buyer's side is played by the test: `complete(session_id)` marks a session paid
and returns a `checkout.session.completed` event signed as Stripe signs webhooks
(`Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">`), and
`post_webhook(url)` delivers it. The session's `url` also serves a small payment page
(`GET /pay/{id}`; its button, `POST /pay/{id}`, completes the session, delivers the
event to `webhook_url` if set and redirects to the session's success_url).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from standins.server import Served, serve_app

API_VERSION = "2025-03-31.basil"
MAX_AMOUNT = 99_999_999  # Stripe's largest charge, minor units (8 digits)
MIN_SESSION_LIFETIME = 30 * 60
MAX_SESSION_LIFETIME = 24 * 60 * 60
ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
    "vuv", "xaf", "xof", "xpf",
})
LOCALES = frozenset({
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil",
    "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl",
    "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK",
    "zh-TW",
})
_SESSION_PARAMS = frozenset({
    "mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata",
    "payment_intent_data", "expires_at", "locale", "customer_email", "payment_method_types",
    "expand", "ui_mode", "currency",
})
_REFUND_PARAMS = frozenset({
    "payment_intent", "charge", "amount", "metadata", "reason", "expand",
})
_REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SUBKEY = re.compile(r"\[([^\[\]]*)\]")


class StripeApiError(Exception):
    """An error answer in Stripe's shape: HTTP status, type, code, message, param."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        """The JSON Stripe answers with."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def _missing(param: str) -> StripeApiError:
    return StripeApiError(400, f"Missing required param: {param}.", code="parameter_missing",
                          param=param)


def _invalid(param: str, message: str, code: str = "parameter_invalid_string"
             ) -> StripeApiError:
    return StripeApiError(400, message, code=code, param=param)


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode Stripe's bracket notation: `a[b][0][c]=v` -> {"a": {"b": [{"c": "v"}]}}.

    `a[]=x` appends; a dict whose keys are all indexes becomes a list (in index order).
    Raises `StripeApiError` for a malformed or conflicting name.
    """
    root: dict[str, Any] = {}
    for name, value in pairs:
        match = _KEY.match(name)
        if match is None:
            raise StripeApiError(400, f"Invalid parameter name: {name}", param=name)
        path = [match.group(1), *_SUBKEY.findall(match.group(2))]
        node = root
        for i, part in enumerate(path):
            if part == "":
                part = str(len(node))
            last = i == len(path) - 1
            if last:
                if part in node:
                    raise StripeApiError(400, f"Duplicate parameter: {name}", param=name)
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeApiError(400, f"Invalid parameter: {name} mixes a value "
                                         "and a hash", param=name)
                node = child
    return _lists(root)  # type: ignore[no-any-return]


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _lists(v) for k, v in value.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def _int(value: Any, param: str, *, minimum: int | None = None) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]{1,18}", value):
        raise _invalid(param, f"Invalid integer: {value}", "parameter_invalid_integer")
    number = int(value)
    if minimum is not None and number < minimum:
        raise _invalid(param, f"This value must be greater than or equal to {minimum}.",
                       "parameter_invalid_integer")
    return number


def _text(value: Any, param: str, *, max_len: int = 5000, required: bool = True) -> str:
    if not isinstance(value, str):
        raise _invalid(param, f"Invalid string: {value!r}")
    if required and value == "":
        raise _invalid(param, f"You passed an empty string for '{param}'. We assume empty "
                       "values are an attempt to unset a parameter; however "
                       f"'{param}' cannot be unset.", "parameter_invalid_empty")
    if len(value) > max_len:
        raise _invalid(param, f"Invalid string: {value[:20]}...; must be at most {max_len} "
                       "characters", "string_length_exceeds_maximum")
    return value


def _url(value: Any, param: str) -> str:
    text = _text(value, param, max_len=5000)
    if not re.match(r"^https?://[^\s/]+", text):
        raise _invalid(param, "Not a valid URL", "url_invalid")
    return text


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise _invalid(param, f"Invalid hash: {param} must be a hash", "parameter_invalid_hash")
    if len(value) > 50:
        raise _invalid(param, "Metadata can have up to 50 keys.")
    for key, item in value.items():
        if len(key) > 40:
            raise _invalid(f"{param}[{key}]", "Metadata keys can be up to 40 characters long.")
        if not isinstance(item, str) or len(item) > 500:
            raise _invalid(f"{param}[{key}]",
                           "Metadata values can be up to 500 characters long.")
    return {k: v for k, v in value.items() if v != ""}


def _unknown(params: dict[str, Any], known: frozenset[str]) -> None:
    for name in params:
        if name not in known:
            raise StripeApiError(400, f"Received unknown parameter: {name}",
                                 code="parameter_unknown", param=name)


def _money(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{currency.upper()} {amount}"
    return f"{currency.upper()} {amount / 100:.2f}"


@dataclass
class StripeRequest:
    """One request the stand-in received, for assertions."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 0
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str | None:
        """The request's Idempotency-Key header, if any."""
        return self.headers.get("Idempotency-Key")


@dataclass
class _Stored:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any]


class StripeStandIn(Served):
    """The Stripe API stand-in. Use as `async with StripeStandIn() as stripe_api:`."""

    def __init__(self, secret_key: str = "sk_test_standin",
                 webhook_secret: str = "whsec_standin", *,
                 clock: Callable[[], float] = time.time) -> None:
        """Accept `secret_key` as the API key; sign webhooks with `webhook_secret`;
        `clock` (Unix seconds) decides expiry and event times."""
        if not secret_key.startswith(("sk_", "rk_")):
            raise ValueError("a Stripe secret key starts with sk_ (or rk_)")
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.clock = clock
        self.webhook_url: str | None = None
        self.requests: list[StripeRequest] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[bytes, str]] = []
        self._private: dict[str, dict[str, Any]] = {}  # session id -> line items etc.
        self._idempotent: dict[tuple[str, str], _Stored] = {}
        self._runner: web.AppRunner | None = None
        self._base_url = ""

    # ------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on the loopback interface (port 0: a free one); returns the base URL."""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the stand-in serves on the loopback interface only")
        app = web.Application()
        app.router.add_post("/v1/checkout/sessions", self._api(self._create_session))
        app.router.add_get("/v1/checkout/sessions/{id}", self._api(self._get_session))
        app.router.add_post("/v1/checkout/sessions/{id}/expire",
                            self._api(self._expire_session))
        app.router.add_post("/v1/refunds", self._api(self._create_refund))
        app.router.add_get("/v1/refunds/{id}", self._api(self._get_refund))
        app.router.add_get("/v1/payment_intents/{id}", self._api(self._get_payment_intent))
        app.router.add_route("*", "/v1/{tail:.*}", self._api(self._not_found))
        app.router.add_get("/pay/{id}", self._pay_page)
        app.router.add_post("/pay/{id}", self._pay_submit)
        self._runner, bound = await serve_app(app, host, port)
        shown = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{shown}:{bound}"
        return self._base_url

    @property
    def base_url(self) -> str:
        """The API base the SDK is pointed at, e.g. http://127.0.0.1:PORT."""
        if not self._base_url:
            raise RuntimeError("the stand-in is not started")
        return self._base_url

    # ------------------------------------------------------------ test controls

    def requests_to(self, method: str, path: str) -> list[StripeRequest]:
        """Recorded requests of one method and path (exact, or a prefix ending in /)."""
        return [r for r in self.requests if r.method == method
                and (r.path == path or (path.endswith("/") and r.path.startswith(path)))]

    def sign(self, payload: bytes, *, timestamp: int | None = None,
             secret: str | None = None) -> str:
        """The Stripe-Signature header for `payload`, as Stripe computes it."""
        ts = int(self.clock()) if timestamp is None else timestamp
        signed = f"{ts}.".encode() + payload
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256)
        return f"t={ts},v1={digest.hexdigest()}"

    def event(self, event_type: str, data_object: dict[str, Any]) -> bytes:
        """The JSON body of an event of `event_type` about `data_object`."""
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": API_VERSION,
            "created": int(self.clock()),
            "data": {"object": data_object},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        return json.dumps(event, indent=2).encode()

    def signed_event(self, event_type: str, data_object: dict[str, Any], *,
                     timestamp: int | None = None) -> tuple[bytes, str]:
        """An event body and its Stripe-Signature header."""
        payload = self.event(event_type, data_object)
        return payload, self.sign(payload, timestamp=timestamp)

    def complete(self, session_id: str) -> tuple[bytes, str]:
        """The buyer pays: the session becomes complete/paid with a new payment intent;
        returns the signed `checkout.session.completed` event (body, signature header).
        """
        session = self._session(session_id)
        if session["status"] != "open":
            raise ValueError(f"session {session_id} is {session['status']}, not open")
        private = self._private[session_id]
        intent_id = f"pi_{secrets.token_hex(12)}"
        self.payment_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": session["amount_total"],
            "currency": session["currency"],
            "created": int(self.clock()),
            "latest_charge": f"ch_{secrets.token_hex(12)}",
            "livemode": False,
            "metadata": dict(private["payment_intent_metadata"]),
            "status": "succeeded",
            "amount_refunded": 0,
        }
        session.update(status="complete", payment_status="paid", payment_intent=intent_id,
                       url=None)
        signed = self.signed_event("checkout.session.completed", dict(session))
        self.events.append(signed)
        return signed

    def expire(self, session_id: str) -> tuple[bytes, str]:
        """The session expires unpaid; returns the signed `checkout.session.expired`."""
        session = self._session(session_id)
        if session["status"] != "open":
            raise ValueError(f"session {session_id} is {session['status']}, not open")
        session.update(status="expired", url=None)
        signed = self.signed_event("checkout.session.expired", dict(session))
        self.events.append(signed)
        return signed

    async def post_webhook(self, url: str | None = None,
                           event: tuple[bytes, str] | None = None) -> tuple[int, str]:
        """POST `event` (default: the latest one made) to `url` (default: webhook_url)
        as Stripe delivers webhooks; returns the answer's status and text."""
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook URL")
        if event is None:
            if not self.events:
                raise ValueError("no event to deliver")
            event = self.events[-1]
        payload, signature = event
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Stripe-Signature": signature, "User-Agent": "Stripe/1.0 (+standin)"}
        async with aiohttp.ClientSession() as http, http.post(
            target, data=payload, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            return response.status, await response.text()

    # ------------------------------------------------------------ plumbing

    def _api(self, handler: Callable[[web.Request, dict[str, Any]], dict[str, Any]]
             ) -> Callable[[web.Request], Any]:
        async def serve(request: web.Request) -> web.Response:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
            record = StripeRequest(request.method, request.path, {}, headers)
            self.requests.append(record)
            extra = {"Request-Id": f"req_{secrets.token_hex(7)}", "Stripe-Version": API_VERSION}
            try:
                pairs = list(request.query.items())
                if request.method == "POST":
                    ctype = request.content_type
                    if ctype not in ("application/x-www-form-urlencoded", "", None):
                        raise StripeApiError(400, "Invalid request: the body must be "
                                             "application/x-www-form-urlencoded")
                    pairs += list((await request.post()).items())  # type: ignore[arg-type]
                params = parse_form([(k, str(v)) for k, v in pairs])
                record.params = params
                key = self._authenticate(request)
                idem = request.headers.get("Idempotency-Key")
                if idem is not None and request.method == "POST":
                    stored = self._replay(key, idem, request, params)
                    if stored is not None:
                        record.status, record.response = stored.status, stored.body
                        return web.json_response(stored.body, status=stored.status,
                                                 headers={**extra,
                                                          "Idempotent-Replayed": "true"})
                body = handler(request, params)
                if idem is not None and request.method == "POST":
                    self._idempotent[(key, idem)] = _Stored(request.method, request.path,
                                                            params, 200, body)
                record.status, record.response = 200, body
                return web.json_response(body, headers=extra)
            except StripeApiError as exc:
                record.status, record.response = exc.status, exc.body()
                return web.json_response(exc.body(), status=exc.status, headers=extra)

        return serve

    def _authenticate(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        key = ""
        if header.startswith("Bearer "):
            key = header.removeprefix("Bearer ").strip()
        elif header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header.removeprefix("Basic ").strip()).decode()
            except ValueError:
                decoded = ""
            key = decoded.split(":", 1)[0]
        if not key:
            raise StripeApiError(401, "You did not provide an API key. You need to provide "
                                 "your API key in the Authorization header, using Bearer "
                                 "auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not hmac.compare_digest(key.encode(), self.secret_key.encode()):
            shown = f"{key[:8]}****{key[-4:]}" if len(key) > 12 else "****"
            raise StripeApiError(401, f"Invalid API Key provided: {shown}")
        return key

    def _replay(self, key: str, idem: str, request: web.Request,
                params: dict[str, Any]) -> _Stored | None:
        if not idem or len(idem) > 255:
            raise StripeApiError(400, "Idempotency keys must be 1 to 255 characters long.",
                                 type_="idempotency_error")
        stored = self._idempotent.get((key, idem))
        if stored is None:
            return None
        if (stored.method, stored.path, stored.params) != (request.method, request.path,
                                                           params):
            raise StripeApiError(
                400, "Keys for idempotent requests can only be used with the same "
                "parameters they were first used with. Try using a key other than "
                f"'{idem}' if you meant to execute a different request.",
                type_="idempotency_error", code="idempotency_key_in_use",
            )
        return stored

    def _session(self, session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeApiError(404, f"No such checkout.session: '{session_id}'",
                                 code="resource_missing", param="session")
        if session["status"] == "open" and self.clock() >= session["expires_at"]:
            session.update(status="expired", url=None)
        return session

    # ------------------------------------------------------------ endpoints

    def _not_found(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        raise StripeApiError(404, f"Unrecognized request URL ({request.method}: "
                             f"{request.path}). The stand-in serves checkout sessions, "
                             "refunds and payment intents only.")

    def _create_session(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, _SESSION_PARAMS)
        now = int(self.clock())
        mode = params.get("mode")
        if mode is None:
            raise _missing("mode")
        if mode != "payment":
            raise _invalid("mode", f"Invalid mode: {mode}; the stand-in supports payment")
        success_url = _url(params.get("success_url") or _raise(_missing("success_url")),
                           "success_url")
        cancel_url = (_url(params["cancel_url"], "cancel_url")
                      if params.get("cancel_url") else None)
        items = params.get("line_items")
        if not items:
            raise _missing("line_items")
        if not isinstance(items, list):
            raise _invalid("line_items", "Invalid array", "parameter_invalid_array")
        currencies: set[str] = set()
        total = 0
        line_items = []
        for i, item in enumerate(items):
            prefix = f"line_items[{i}]"
            if not isinstance(item, dict):
                raise _invalid(prefix, "Invalid hash", "parameter_invalid_hash")
            _unknown_in(item, {"price_data", "quantity", "price"}, prefix)
            if "price" in item:
                raise _invalid(f"{prefix}[price]", "The stand-in knows no saved prices; "
                               "use price_data.")
            data = item.get("price_data")
            if not isinstance(data, dict):
                raise _missing(f"{prefix}[price_data]")
            _unknown_in(data, {"currency", "unit_amount", "product_data"},
                        f"{prefix}[price_data]")
            currency = data.get("currency") or _raise(
                _missing(f"{prefix}[price_data][currency]"))
            if not re.fullmatch(r"[a-z]{3}", currency):
                raise _invalid(f"{prefix}[price_data][currency]",
                               f"Invalid currency: {currency}. Stripe currencies are "
                               "three-letter ISO codes in lower case.")
            currencies.add(currency)
            unit_amount = _int(data.get("unit_amount") or _raise(
                _missing(f"{prefix}[price_data][unit_amount]")),
                f"{prefix}[price_data][unit_amount]", minimum=0)
            product = data.get("product_data")
            if not isinstance(product, dict):
                raise _missing(f"{prefix}[price_data][product_data]")
            _unknown_in(product, {"name", "description", "images"},
                        f"{prefix}[price_data][product_data]")
            name = _text(product.get("name") if "name" in product else _raise(
                _missing(f"{prefix}[price_data][product_data][name]")),
                f"{prefix}[price_data][product_data][name]")
            if "description" in product:
                _text(product["description"],
                      f"{prefix}[price_data][product_data][description]", max_len=500)
            quantity = _int(item.get("quantity") or _raise(_missing(f"{prefix}[quantity]")),
                            f"{prefix}[quantity]", minimum=1)
            total += unit_amount * quantity
            line_items.append({"name": name, "unit_amount": unit_amount,
                               "quantity": quantity, "currency": currency})
        if len(currencies) > 1:
            raise _invalid("line_items", "All line items must use the same currency.")
        (currency,) = currencies
        if total > MAX_AMOUNT:
            raise StripeApiError(400, f"Amount must be no more than {_money(MAX_AMOUNT, currency)}",
                                 code="amount_too_large", param="line_items")
        expires_at = now + MAX_SESSION_LIFETIME
        if "expires_at" in params:
            expires_at = _int(params["expires_at"], "expires_at")
            if expires_at < now + MIN_SESSION_LIFETIME:
                raise _invalid("expires_at", "The `expires_at` timestamp must be at least 30 "
                               "minutes from Checkout Session creation.")
            if expires_at > now + MAX_SESSION_LIFETIME:
                raise _invalid("expires_at", "The `expires_at` timestamp must be less than "
                               "24 hours from Checkout Session creation.")
        reference = params.get("client_reference_id")
        if reference is not None:
            reference = _text(reference, "client_reference_id", max_len=200)
        metadata = _metadata(params.get("metadata"))
        intent_data = params.get("payment_intent_data") or {}
        if not isinstance(intent_data, dict):
            raise _invalid("payment_intent_data", "Invalid hash", "parameter_invalid_hash")
        _unknown_in(intent_data, {"metadata", "description"}, "payment_intent_data")
        intent_metadata = _metadata(intent_data.get("metadata"), "payment_intent_data[metadata]")
        locale = params.get("locale", "auto")
        if locale not in LOCALES:
            raise _invalid("locale", f"Invalid locale: {locale}")
        session_id = f"cs_test_{secrets.token_urlsafe(30).replace('-', 'a').replace('_', 'b')}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": cancel_url,
            "client_reference_id": reference,
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "locale": locale,
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        self._private[session_id] = {"line_items": line_items,
                                     "payment_intent_metadata": intent_metadata}
        return dict(session)

    def _get_session(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self._session(request.match_info["id"]))

    def _expire_session(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, frozenset({"expand"}))
        session = self._session(request.match_info["id"])
        if session["status"] != "open":
            raise StripeApiError(
                400, 'Only Checkout Sessions with a status in ["open"] can be expired. '
                f"This Checkout Session has a status of `{session['status']}`.")
        self.expire(session["id"])
        return dict(session)

    def _get_payment_intent(self, request: web.Request, params: dict[str, Any]
                            ) -> dict[str, Any]:
        intent_id = request.match_info["id"]
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise StripeApiError(404, f"No such payment_intent: '{intent_id}'",
                                 code="resource_missing", param="intent")
        return dict(intent)

    def _get_refund(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        refund_id = request.match_info["id"]
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise StripeApiError(404, f"No such refund: '{refund_id}'",
                                 code="resource_missing", param="id")
        return dict(refund)

    def _create_refund(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, _REFUND_PARAMS)
        intent: dict[str, Any] | None
        if "payment_intent" in params:
            intent_id = _text(params["payment_intent"], "payment_intent")
            intent = self.payment_intents.get(intent_id)
            if intent is None:
                raise StripeApiError(404, f"No such payment_intent: '{intent_id}'",
                                     code="resource_missing", param="payment_intent")
        elif "charge" in params:
            charge_id = _text(params["charge"], "charge")
            intent = next((pi for pi in self.payment_intents.values()
                           if pi["latest_charge"] == charge_id), None)
            if intent is None:
                raise StripeApiError(404, f"No such charge: '{charge_id}'",
                                     code="resource_missing", param="charge")
        else:
            raise StripeApiError(400, "One of the following params should be provided for "
                                 "this request: payment_intent or charge.",
                                 code="parameter_missing")
        remaining = intent["amount_received"] - intent["amount_refunded"]
        amount = (_int(params["amount"], "amount", minimum=1) if "amount" in params
                  else remaining)
        reason = params.get("reason")
        if reason is not None and reason not in _REFUND_REASONS:
            raise _invalid("reason", f"Invalid reason: must be one of "
                           f"{', '.join(sorted(_REFUND_REASONS))}")
        if remaining <= 0:
            raise StripeApiError(400, f"Charge {intent['latest_charge']} has already been "
                                 "refunded.", code="charge_already_refunded")
        if amount > remaining:
            raise StripeApiError(
                400, f"Refund amount ({_money(amount, intent['currency'])}) is greater than "
                f"unrefunded amount on charge ({_money(remaining, intent['currency'])})",
                code="amount_too_large", param="amount",
            )
        intent["amount_refunded"] += amount
        refund_id = f"re_{secrets.token_hex(12)}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "charge": intent["latest_charge"],
            "created": int(self.clock()),
            "currency": intent["currency"],
            "metadata": _metadata(params.get("metadata")),
            "payment_intent": intent["id"],
            "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund_id] = refund
        return dict(refund)

    # ------------------------------------------------------------ the buyer's page

    async def _pay_page(self, request: web.Request) -> web.Response:
        try:
            session = self._session(request.match_info["id"])
        except StripeApiError as exc:
            return web.Response(status=404, text=exc.message)
        items = "".join(
            f"<li>{html.escape(i['name'])} × {i['quantity']}: "
            f"{html.escape(_money(i['unit_amount'] * i['quantity'], i['currency']))}</li>"
            for i in self._private[session["id"]]["line_items"]
        )
        action = (f'<form method="post"><button>Pay '
                  f'{html.escape(_money(session["amount_total"], session["currency"]))}'
                  f"</button></form>" if session["status"] == "open"
                  else f"<p>This session is {html.escape(session['status'])}.</p>")
        page = (f"<!doctype html><meta charset=utf-8><title>Stripe stand-in checkout</title>"
                f"<h1>Test checkout</h1><ul>{items}</ul>{action}")
        return web.Response(text=page, content_type="text/html")

    async def _pay_submit(self, request: web.Request) -> web.Response:
        session_id = request.match_info["id"]
        try:
            event = self.complete(session_id)
        except StripeApiError as exc:
            return web.Response(status=404, text=exc.message)
        except ValueError as exc:
            return web.Response(status=409, text=str(exc))
        if self.webhook_url:
            await self.post_webhook(self.webhook_url, event)
        raise web.HTTPSeeOther(self.sessions[session_id]["success_url"])


def _raise(error: StripeApiError) -> Any:
    raise error


def _unknown_in(params: dict[str, Any], known: set[str], prefix: str) -> None:
    for name in params:
        if name not in known:
            raise StripeApiError(400, f"Received unknown parameter: {prefix}[{name}]",
                                 code="parameter_unknown", param=f"{prefix}[{name}]")
