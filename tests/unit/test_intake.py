"""The intake: under a burst, updates are answered in arrival order, a bounded number at
once, and one chat's updates one at a time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.transports.intake import Intake, chat_of, poll, work


@dataclass
class Update:
    update_id: int
    chat: int


class Recorder:
    """A handler that takes `delay` per update and writes down what happened."""

    def __init__(self, delay: float = 0.001) -> None:
        self.delay = delay
        self.started: list[int] = []
        self.finished: list[int] = []
        self.now = 0
        self.most = 0
        self.busy_chats: set[int] = set()
        self.overlapped = False

    async def __call__(self, update: Update) -> None:
        if update.chat in self.busy_chats:
            self.overlapped = True
        self.busy_chats.add(update.chat)
        self.started.append(update.update_id)
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.delay)
        self.now -= 1
        self.busy_chats.discard(update.chat)
        self.finished.append(update.update_id)


async def run_workers(intake: Intake[Update], handle: Recorder, count: int) -> None:
    workers = [asyncio.create_task(work(intake, handle)) for _ in range(count)]
    await asyncio.wait_for(intake.settled(), 10)
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)


async def test_a_burst_of_many_users_is_answered_in_arrival_order_four_at_a_time() -> None:
    intake: Intake[Update] = Intake()
    for n in range(40):
        intake.put(n, Update(n, chat=n))  # 40 people, one message each
    handle = Recorder()
    await run_workers(intake, handle, 4)
    assert handle.started == list(range(40))
    assert handle.most == 4
    assert sorted(handle.finished) == list(range(40))


async def test_one_chats_messages_go_one_at_a_time_and_others_are_not_held_up() -> None:
    intake: Intake[Update] = Intake()
    arrivals = [Update(1, chat=7), Update(2, chat=7), Update(3, chat=7), Update(4, chat=8),
                Update(5, chat=9)]
    for update in arrivals:
        intake.put(update.chat, update)
    handle = Recorder(delay=0.01)
    await run_workers(intake, handle, 4)
    assert not handle.overlapped
    assert [u for u in handle.finished if u <= 3] == [1, 2, 3]  # chat 7 in its order
    # 8 and 9 start while chat 7's first message is still being handled
    assert handle.started[:3] == [1, 4, 5]


async def test_a_chats_next_message_keeps_its_place_in_the_line() -> None:
    intake: Intake[Update] = Intake()
    intake.put(7, Update(1, chat=7))
    intake.put(7, Update(2, chat=7))  # came second
    for n in range(3, 8):
        intake.put(n * 10, Update(n, chat=n * 10))
    handle = Recorder(delay=0.005)
    await run_workers(intake, handle, 1)
    # One worker: chat 7's second message goes as soon as its first is done, before
    # the messages that arrived after it.
    assert handle.started == [1, 2, 3, 4, 5, 6, 7]


async def test_a_failing_update_is_logged_and_the_next_one_still_handled() -> None:
    intake: Intake[Update] = Intake()
    seen: list[int] = []

    async def handle(update: Update) -> None:
        seen.append(update.update_id)
        if update.update_id == 1:
            raise RuntimeError("boom")

    intake.put(5, Update(1, chat=5))
    intake.put(5, Update(2, chat=5))
    worker = asyncio.create_task(work(intake, handle))
    await asyncio.wait_for(intake.settled(), 5)
    worker.cancel()
    assert seen == [1, 2]


async def test_polling_stops_fetching_while_the_queue_is_full_and_finishes_what_it_took(
) -> None:
    batches = [[Update(n, chat=n % 3) for n in range(b * 10, b * 10 + 10)] for b in range(5)]
    fetched_while_waiting: list[int] = []
    intake_waiting: list[int] = []
    stop = asyncio.Event()
    handled: list[int] = []

    async def handle(update: Update) -> None:
        await asyncio.sleep(0.002)
        handled.append(update.update_id)

    async def fetch(offset: int | None) -> list[Update]:
        fetched_while_waiting.append(len(handled))
        intake_waiting.append(offset or 0)
        if batches:
            return batches.pop(0)
        stop.set()
        await asyncio.sleep(0)
        return []

    await asyncio.wait_for(poll(fetch, lambda u: u.chat, handle, in_flight=2,
                                waiting_max=15, stop=stop), 10)
    assert sorted(handled) == list(range(50))  # everything fetched was handled
    # offsets confirm what came before: 0 (None), then 10, 20, ...
    assert intake_waiting[:3] == [0, 10, 20]
    # with 15 allowed to wait, the third batch was only asked for once some were done
    assert fetched_while_waiting[2] > 0


def test_an_updates_chat_is_its_message_chat_else_its_sender() -> None:
    @dataclass
    class Chat:
        id: int

    @dataclass
    class User:
        id: int

    @dataclass
    class Message:
        chat: Chat

    @dataclass
    class Query:
        from_user: User
        message: Message | None = None

    @dataclass
    class Raw:
        update_id: int
        message: Message | None = None
        callback_query: Query | None = None
        inline_query: Query | None = None

    assert chat_of(Raw(1, message=Message(Chat(-100)))) == -100
    assert chat_of(Raw(2, callback_query=Query(User(5), Message(Chat(6))))) == 6
    assert chat_of(Raw(3, callback_query=Query(User(5)))) == 5
    assert chat_of(Raw(4, inline_query=Query(User(9)))) == 9
    assert chat_of(Raw(5)) == ("update", 5)
