"""Local stand-ins for the services the bot talks to, for tests, benchmarks and trying
the bot by hand: the Telegram Bot API (`standins.server`; `python -m standins` serves it)
and Stripe (`standins.stripe_api`). They import nothing of ours, and nothing in the
runtime imports them."""

from standins.models import Call, SentMessage
from standins.server import ApiError, BotApiStandin
from standins.users import FakeUser

__all__ = ["ApiError", "BotApiStandin", "Call", "FakeUser", "SentMessage"]
