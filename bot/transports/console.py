"""The console shell: the whole conversation in a terminal, or scripted through a pipe.

Typed lines become the same `Incoming` events Telegram would send; replies are printed
with their buttons numbered. Shell-only lines:

  #N                 press button N of the latest reply
  /location LAT LON  share a location
  /as NAME           become another user (a merchant and a shopper in one script)
  /photo PATH        send a picture (a JPEG or PNG file)
  /file PATH         send a file as a document (a CSV of deals, say)
  /open              open the latest t.me link to the bot shown here (a staff invite, a
                     shared deal) as the current user, as tapping it in Telegram would
  /scan [PATH]       scan the QR code in the latest picture shown here (or in PATH) with
                     Telegram's camera: a code's QR opens the redeem screen
  /sticker, /voice   send a message of a kind the bot does not read
  @bot WORDS         an inline query
  # comment          ignored (a '#' followed by a space)

Pictures and files the bot sends are saved under the files folder and their paths
printed. A message to another user (an admin told of an application) is shown under
"→ to NAME:", written in the shell's language like everything else.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.outbox import send_owed, settle_owed_row
from bot.payments import page_answer, pay_with_sandbox
from bot.runtime import PushOutcome, Runtime
from handlers.core import (
    AnswerButton,
    AnswerInline,
    AnswerPreCheckout,
    Button,
    ButtonPress,
    Command,
    Delivered,
    Document,
    EditText,
    Event,
    Incoming,
    InlineQuery,
    Location,
    Notify,
    Photo,
    Reply,
    SendDocument,
    Sender,
    SendInvoice,
    SendPhoto,
    SendText,
    SendVenue,
    SetMenuButton,
    Text,
    Unsupported,
    parse_command,
)
from handlers.router import dispatch
from services.payments.sandbox import SandboxProvider
from services.platform.users import demo_telegram_id, get_profile_by_telegram_id

_NUMBERED = re.compile(r"(\d{3,})-")  # a saved file's number: 007-code-....png


@dataclass
class _ShellUser:
    sender: Sender
    buttons: list[tuple[Button, int]] = field(default_factory=list)  # latest reply's


class ConsoleShell:
    """Reads lines, dispatches them, prints the replies."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        out: TextIO = sys.stdout,
        lang: str | None = None,
        user: str = "guest",
        files_dir: Path | None = None,
        echo: bool = False,
        names: Iterable[str] = (),
    ) -> None:
        self.runtime = runtime
        self.out = out
        self.lang = lang or runtime.settings.default_language
        # Everyone in this shell speaks its language, also those it has not played yet
        # (an admin told of an application, staff told of a sale): what the bot sends
        # them is written in it, as it is to the users played.
        runtime.settings = runtime.settings.model_copy(update={"default_language": self.lang})
        runtime.app.options = replace(runtime.app.options, default_language=self.lang)
        # Users who may be written to before they are played, and who have no name in
        # the database (the shell's admin), by their made-up Telegram id.
        self._names = {demo_telegram_id(name): name for name in names}
        self.files_dir = files_dir or Path(runtime.settings.shell_files_dir)
        self.echo = echo
        self.users: dict[str, _ShellUser] = {}
        self.current = self._user(user)
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_numbers: Iterator[int] | None = None  # set by the first file saved
        self._links: list[str] = []  # /start payloads of t.me links shown, latest last
        self._picture: bytes | None = None  # the latest picture shown
        bot = re.escape(runtime.app.options.bot_username)
        self._link_pattern = re.compile(rf"https://t\.me/{bot}\?start=([A-Za-z0-9_-]{{1,64}})")
        runtime.outbox = self.outbox
        runtime.pusher = self.push
        # `/later` moves this shell's clock on; everything reads the time through it.
        self.clock_offset = timedelta()
        real_clock = runtime.app.clock
        runtime.app.clock = lambda: real_clock() + self.clock_offset

    def _user(self, name: str) -> _ShellUser:
        key = name.strip() or "guest"
        if key not in self.users:
            sender = Sender(id=demo_telegram_id(key), first_name=key, username=None,
                            language_code=self.lang)
            # Someone who was already messaged (an admin told of an application) keeps
            # the buttons they were sent.
            earlier = self.users.pop(str(sender.id), None)
            self.users[key] = _ShellUser(sender, earlier.buttons if earlier else [])
        return self.users[key]

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    async def handle_line(self, line: str) -> None:
        """Handle one typed line."""
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("# "):
            return
        if self.echo:
            self.print(f"» {line}")
        token = self._sandbox_token(line)
        if token is not None:
            await self._pay(token)
            return
        later = parse_command(line.strip())
        if later is not None and later.name == "later":
            await self._later(later.args)
            return
        event = self._event_for(line)
        if event is None:
            return
        incoming = Incoming(
            sender=self.current.sender,
            chat_id=self.current.sender.id,
            event=event,
            update_id=next(self._update_ids),
        )
        replies = await dispatch(self.runtime.app, self.runtime.router, incoming)
        for reply in replies:
            if isinstance(reply, Delivered):  # the shell shows everything it is given
                await settle_owed_row(self.runtime, reply.outbox_id, "sent")
                continue
            if isinstance(reply, Notify):
                await self._meet(reply.chat_id)
            self._show(reply, self.current)
        await send_owed(self.runtime)  # what the turn owed someone else

    async def _later(self, args: str) -> None:
        """`/later 2m`: move the shell's clock on and do what the background jobs would
        have done by then (campaign starts, pushes, expiring holds), in order."""
        from bot.jobs import run_due  # the jobs import this module's neighbours

        match = re.fullmatch(r"\s*(\d{1,5})\s*([smhd])\s*", args)
        if match is None:
            self.print("usage: /later 90s | 2m | 1h | 1d")
            return
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
        self.clock_offset += timedelta(**{unit: int(match.group(1))})
        self.print(f"(the time is now {self.runtime.app.clock():%Y-%m-%d %H:%M} UTC)")
        await run_due(self.runtime)

    def _sandbox_token(self, line: str) -> str | None:
        """The token when `line` presses a sandbox Pay button (paid right here)."""
        stripped = line.strip()
        if not (stripped.startswith("#") and stripped[1:].strip().isdigit()):
            return None
        number = int(stripped[1:].strip())
        buttons = self.current.buttons
        if not 1 <= number <= len(buttons) or buttons[number - 1][0].url is None:
            return None
        sandbox = self.runtime.app.payments.get("sandbox")
        url = buttons[number - 1][0].url or ""
        return sandbox.token_in(url) if isinstance(sandbox, SandboxProvider) else None

    async def _pay(self, token: str) -> None:
        self.print("(sandbox payment page: Pay pressed)")
        outcome, order = await pay_with_sandbox(self.runtime, token)
        if outcome != "paid":
            self.print(f"(payment: {outcome}) {await page_answer(self.runtime, outcome, order)}")
            self.print()

    async def outbox(self, chat_id: int, replies: list[Reply]) -> int:
        """Show replies sent outside a turn (payments, jobs) to whichever user they are for."""
        user = await self._meet(chat_id)
        if user is not self.current:
            self.print(f"→ to {user.sender.first_name}:")
        for reply in replies:
            self._show(reply, user)
        return len(replies)

    async def push(self, chat_id: int, reply: Reply) -> PushOutcome:
        """Show a campaign push to the user it is for (the shell never refuses one)."""
        user = await self._meet(chat_id)
        if user is not self.current:
            self.print(f"→ to {user.sender.first_name}:")
        return PushOutcome("sent", message_id=self._show(reply, user))

    async def _meet(self, chat_id: int) -> _ShellUser:
        """The user a message to `chat_id` is for, known by name when the shell can tell
        it (a user played, one named to the shell, one the database knows), so that the
        message reads "→ to haidilao-staff:", not "→ to 582622326:"."""
        if any(user.sender.id == chat_id for user in self.users.values()):
            return self._user_by_id(chat_id)
        name = self._names.get(chat_id)
        if name is None:
            profile = await get_profile_by_telegram_id(self.runtime.app.db, chat_id)
            name = profile.first_name if profile is not None and profile.first_name else None
        if name is None or name in self.users:  # nameless, or the name is someone else's
            return self._user_by_id(chat_id)
        sender = Sender(id=chat_id, first_name=name, language_code=self.lang)
        return self.users.setdefault(name, _ShellUser(sender))

    def _user_by_id(self, chat_id: int) -> _ShellUser:
        for user in self.users.values():
            if user.sender.id == chat_id:
                return user
        # Someone this shell never played (yet): remember them under their id.
        return self.users.setdefault(str(chat_id), _ShellUser(Sender(id=chat_id,
                                                                     first_name=str(chat_id))))

    def _event_for(self, line: str) -> Event | None:
        stripped = line.strip()
        if stripped.startswith("#") and stripped[1:].strip().isdigit():
            return self._press(int(stripped[1:].strip()))
        if stripped.startswith("@"):
            _, _, query = stripped.partition(" ")
            return InlineQuery(query_id=str(next(self._query_ids)), query=query.strip())
        command = parse_command(stripped)
        if command is not None:
            if command.name == "as":
                if not command.args:
                    self.print("usage: /as NAME")
                    return None
                self.current = self._user(command.args)
                self.print(f"(now you are {command.args.strip()})")
                return None
            if command.name == "location":
                return self._location(command.args)
            if command.name in ("photo", "file"):
                return self._file_event(command.name, command.args)
            if command.name == "open":
                if not self._links:
                    self.print("(no link to the bot has been shown yet)")
                    return None
                return Command("start", self._links[-1])
            if command.name == "scan":
                return self._scan(command.args)
            if command.name in ("sticker", "voice"):
                return Unsupported(kind=command.name)
            return command
        return Text(line)

    def _press(self, number: int) -> Event | None:
        buttons = self.current.buttons
        if not 1 <= number <= len(buttons):
            self.print(f"(there is no button {number} on the latest reply)")
            return None
        button, message_id = buttons[number - 1]
        if button.url is not None:
            self.print(f"(opens {button.url})")
            return None
        assert button.data is not None
        return ButtonPress(data=button.data, message_id=message_id,
                           query_id=str(next(self._query_ids)))

    def _location(self, args: str) -> Event | None:
        parts = args.replace(",", " ").split()
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            self.print("usage: /location LAT LON   (e.g. /location 26.0 119.45)")
            return None
        return Location(lat=lat, lon=lon)

    def _scan(self, args: str) -> Event | None:
        path = Path(args.strip()).expanduser() if args.strip() else None
        if path is not None and not path.is_file():
            self.print("usage: /scan [PATH]   (a picture with a QR code)")
            return None
        data = path.read_bytes() if path is not None else self._picture
        if data is None:
            self.print("(no picture has been shown yet)")
            return None
        import io

        import zxingcpp
        from PIL import Image

        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
        payload = self._link_pattern.search(found[0].text) if found else None
        if payload is None:
            self.print("(no QR code with a link to the bot in that picture)")
            return None
        self.print(f"(scanned: {found[0].text})")
        return Command("start", payload.group(1))

    def _remember_links(self, *texts: str) -> None:
        for text in texts:
            self._links += self._link_pattern.findall(text)

    def _file_event(self, kind: str, args: str) -> Event | None:
        path = Path(args.strip()).expanduser()
        if not args.strip() or not path.is_file():
            self.print(f"usage: /{kind} PATH   (an existing file)")
            return None
        if kind == "photo":
            return Photo(file_id=str(path.resolve()))
        data = path.read_bytes()
        mime = "text/csv" if path.suffix.lower() == ".csv" else "application/octet-stream"
        return Document(file_id=str(path.resolve()), file_name=path.name, mime_type=mime,
                        size=len(data), content=data)

    def _remember_buttons(self, rows: Iterable[Iterable[Button]], message_id: int,
                          user: _ShellUser, edited: bool = False) -> None:
        flat = [(b, message_id) for row in rows for b in row]
        self._remember_links(*(b.url for b, _ in flat if b.url))
        if flat:
            user.buttons = flat
        elif edited and any(m == message_id for _, m in user.buttons):
            user.buttons = []  # as on Telegram: an edit without buttons removes them

    def _print_buttons(self, rows: Iterable[Iterable[Button]]) -> None:
        number = 1
        for row in rows:
            cells = []
            for button in row:
                label = f"[{number}] {button.text}"
                if button.url:
                    label += f" ({button.url})"
                cells.append(label)
                number += 1
            self.print("  " + "   ".join(cells))

    def _save_file(self, data: bytes, filename: str) -> Path:
        """Save a picture or file under a number of its own: numbering goes on from the
        files an earlier run left in the folder, so nothing is overwritten."""
        if self._file_numbers is None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            taken = [int(m.group(1)) for f in self.files_dir.iterdir()
                     if (m := _NUMBERED.match(f.name))]
            self._file_numbers = itertools.count(max(taken, default=0) + 1)
        path = self.files_dir / f"{next(self._file_numbers):03d}-{Path(filename).name}"
        path.write_bytes(data)
        return path

    def _show(self, reply: Reply, user: _ShellUser) -> int | None:
        """Print one reply for `user`; the id of the message shown, for texts."""
        match reply:
            case SendText(text=text, buttons=buttons, keyboard=keyboard):
                message_id = next(self._message_ids)
                self.print(text)
                self._remember_links(text)
                self._print_buttons(buttons)
                self._remember_buttons(buttons, message_id, user)
                for row in keyboard:
                    for key in row:
                        hint = "  (type /location LAT LON)" if key.request_location else ""
                        self.print(f"  ⌨ {key.text}{hint}")
                self.print()
                return message_id
            case EditText(message_id=message_id, text=text, buttons=buttons):
                self.print(f"(message {message_id} edited)")
                self.print(text)
                self._remember_links(text)
                self._print_buttons(buttons)
                self._remember_buttons(buttons, message_id, user, edited=True)
                self.print()
            case SendPhoto(photo=photo, caption=caption, buttons=buttons, filename=filename):
                message_id = next(self._message_ids)
                if isinstance(photo, bytes):
                    self.print(f"🖼 picture saved: {self._save_file(photo, filename)}")
                    self._picture = photo
                else:
                    self.print(f"🖼 picture: {photo}")
                    if Path(photo).is_file():
                        self._picture = Path(photo).read_bytes()
                if caption:
                    self.print(caption)
                    self._remember_links(caption)
                self._print_buttons(buttons)
                self._remember_buttons(buttons, message_id, user)
                self.print()
            case SendDocument(data=data, filename=filename, caption=caption):
                next(self._message_ids)
                self.print(f"📎 file saved: {self._save_file(data, filename)}")
                if caption:
                    self.print(caption)
                self.print()
            case SendVenue(lat=lat, lon=lon, title=title, address=address):
                next(self._message_ids)
                self.print(f"📍 {title} — {address} ({lat:.5f}, {lon:.5f})")
                self.print()
            case AnswerButton(text=text, alert=alert):
                if text and alert:
                    self.print(f"(alert: {text})")
            case AnswerInline(results=results):
                self.print(f"(inline results: {len(results)})")
                for i, result in enumerate(results, start=1):
                    self.print(f"  {i}. {result.title} — {result.description}")
                self.print()
            case SendInvoice(title=title, amount=amount, currency=currency):
                next(self._message_ids)
                self.print(f"🧾 invoice: {title} {amount} {currency} (minor units)")
                self.print()
            case SetMenuButton(text=text, url=url):
                self.print(f"(menu button: {text} → {url})" if url else "(menu button: commands)")
            case AnswerPreCheckout(ok=ok, error=error):
                self.print(f"(pre-checkout {'ok' if ok else 'refused: ' + error})")
            case Notify(chat_id=chat_id, replies=others):
                target = self._user_by_id(chat_id)
                self.print(f"→ to {target.sender.first_name}:")
                for other in others:
                    self._show(other, target)


async def read_lines(stream: TextIO) -> AsyncIterator[str]:
    """Lines from a pipe or file, one at a time."""
    for line in stream:
        yield line


async def interactive_lines(prompt: str = "you> ") -> AsyncIterator[str]:
    """Lines typed at a terminal, with line editing and history (prompt_toolkit)."""
    from prompt_toolkit import PromptSession

    session: PromptSession[str] = PromptSession()
    while True:
        try:
            yield await session.prompt_async(prompt)
        except (EOFError, KeyboardInterrupt):
            return
