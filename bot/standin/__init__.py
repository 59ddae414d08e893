"""A local stand-in for the Telegram Bot API (see `bot.standin.server`)."""

from bot.standin.models import Call, SentMessage
from bot.standin.server import ApiError, BotApiStandin
from bot.standin.users import FakeUser

__all__ = ["ApiError", "BotApiStandin", "Call", "FakeUser", "SentMessage"]
