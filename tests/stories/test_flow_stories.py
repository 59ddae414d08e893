"""What happens to a conversation that is half done when the user types something else:
input a step cannot use, a command, a full-width command, an impossible location."""

from __future__ import annotations

from handlers.core import SendText
from handlers.router import App
from services.platform.conversations import get_state
from services.platform.users import demo_telegram_id
from tests.conftest import Chat


def owner(app: App, language: str = "zh") -> Chat:
    return Chat(app, user_id=demo_telegram_id("haidilao-owner"), name="haidilao-owner",
                language_code=language)


def last_text(chat: Chat) -> SendText:
    texts = [r for r in chat.replies if isinstance(r, SendText)]
    assert texts, chat.replies
    return texts[-1]


async def test_an_answer_a_step_cannot_use_is_asked_again_with_how_to_leave(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("冬日暖锅双人餐")
    await boss.press("跳过")  # description
    await boss.press("跳过")  # photo
    await boss.say("退款")  # at the price
    question = last_text(boss).text
    assert "团购价" in question and question.endswith("（发送 /cancel 可退出当前操作）")
    await boss.say("88")  # a usable answer moves on, without the hint
    assert "原价" in boss.texts and "/cancel" not in boss.texts

    ben = owner(app, "en")  # the same owner, now in English: the draft goes on
    await ben.say("hi")  # at the original price
    question = last_text(ben).text
    assert "cost normally" in question
    assert question.endswith("(Send /cancel to leave this.)")
    # The hint sits on the question, above its buttons, not in a message of its own.
    assert sum(isinstance(r, SendText) for r in ben.replies) == 1


async def test_a_wrong_application_answer_gets_the_same_hint(english_chat: Chat) -> None:
    await english_chat.say("/merchant")
    await english_chat.say("x")  # too short for a business name
    assert english_chat.texts.endswith("(Send /cancel to leave this.)")


async def test_a_question_that_names_cancel_already_is_not_told_twice(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press_data("set:tz")
    await chat.say("hi")
    assert chat.texts.count("/cancel") == 1
    assert chat.button_texts  # the Back button is still there


async def test_a_full_width_start_is_the_start_command_not_an_answer(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("／ｓｔａｒｔ")
    assert "你好" in boss.texts and "团购叫什么名字" not in boss.texts
    state = await get_state(app.db, boss.sender.id, boss.sender.id, app.clock())
    assert state is not None and "title" not in state.data  # not taken as the deal's title


async def test_an_impossible_location_is_asked_again_with_the_share_button(chat: Chat,
                                                                           app: App) -> None:
    await chat.press_data("menu:nearby")
    await chat.share_location(999, 999)
    [reply] = chat.replies
    assert isinstance(reply, SendText) and "位置看起来不对" in reply.text
    assert [k.request_location for row in reply.keyboard for k in row] == [True]

    boss = owner(app)  # the location step of /addstore asks again with its button too
    await boss.say("/addstore")
    await boss.say("面条实验室（万达店）")
    await boss.say("马尾区江滨东大道108号")
    await boss.share_location(999, 999)
    reply = last_text(boss)
    assert "坐标不可能存在" in reply.text and "/cancel" in reply.text
    assert [k.request_location for row in reply.keyboard for k in row] == [True]


async def test_a_command_in_the_middle_of_a_deal_draft_keeps_it_and_says_so(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("冬日暖锅双人餐")
    await boss.say("/deals")  # a look at the other deals in the middle
    assert "你的团购" in boss.texts  # the list itself
    assert boss.texts.endswith("📝 你的团购草稿还保留着：直接回复它上一个问题即可继续，"
                               "发送 /cancel 放弃。")
    await boss.say("两人份，含锅底和8道菜")  # the description: the draft goes on
    assert "图片" in boss.texts
    state = await get_state(app.db, boss.sender.id, boss.sender.id, app.clock())
    assert state is not None and state.data["title"] == "冬日暖锅双人餐"

    ben = owner(app, "en")
    await ben.say("/help")
    assert ben.texts.endswith("📝 Your deal draft is kept: reply to its last question to go "
                              "on, or send /cancel to drop it.")


async def test_starting_another_flow_drops_the_draft_and_says_so_first(app: App) -> None:
    boss = owner(app)
    await boss.say("/newdeal")
    await boss.say("冬日暖锅双人餐")
    await boss.say("/addstore")
    first, *rest = boss.replies
    assert isinstance(first, SendText) and first.text == "你之前未完成的团购草稿已放弃。"
    assert "门店名称" in "\n".join(r.text for r in rest if isinstance(r, SendText))
    await boss.say("/cancel")  # /cancel says it left, nothing more
    assert boss.texts == "已退出当前操作。"


async def test_a_command_ends_a_single_pending_question(chat: Chat) -> None:
    await chat.say("/settings")
    await chat.press_data("set:tz")  # "which time zone?"
    await chat.say("/start")
    assert "保留" not in chat.texts  # nothing was typed, so nothing is kept or lost
    await chat.say("火锅")  # a search now, not a wrong time zone
    assert "火锅" in chat.texts and "¥" in chat.texts
