"""The console shell in script mode, as a newcomer runs it from the README."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def run_shell(tmp_path: Path, script: str, *args: str,
              **settings: str) -> subprocess.CompletedProcess[str]:
    """`o2o shell` playing `script`, with no O2O_ settings but `settings` (as O2O_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2O_")}
    env.update({f"O2O_{key.upper()}": value for key, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell", "--db", str(tmp_path / "t.db"), *args],
        input=script, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_the_readme_journey_greets_lists_hotpot_and_shows_a_card(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "/start\n火锅\n#1\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "你好" in out
    assert "火锅" in out and "¥" in out
    assert "[1] 1." in out  # numbered result buttons
    assert "有效期" in out and "适用门店" in out  # the deal card
    assert "Traceback" not in out + result.stderr


def test_a_script_can_play_two_users_in_two_languages(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "/start\n/as Bob\n/settings\n#2\nhotpot\n", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    assert "(now you are Bob)" in result.stdout
    assert "deals for \"🍲 Hotpot\"" in result.stdout


def test_shell_conveniences_explain_their_usage(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "/location nowhere\n#9\n/as\n/location 26.0 119.45\n/sticker\n"
                       "/open\n/scan\n/scan /no/such.png\n/file\n", "--lang", "en")
    assert result.returncode == 0
    assert "usage: /location LAT LON" in result.stdout
    assert "there is no button 9" in result.stdout
    assert "Got your location" in result.stdout
    assert "I can't read stickers" in result.stdout
    assert "no link to the bot has been shown yet" in result.stdout
    assert "no picture has been shown yet" in result.stdout
    assert "usage: /scan [PATH]" in result.stdout and "usage: /file PATH" in result.stdout


def test_search_buy_pay_in_the_sandbox_then_staff_redeem_once(tmp_path: Path) -> None:
    """The checkout issue's journey, exactly as a newcomer types it."""
    buy = "/location 26.0 119.45\n火锅\n#1\n#1\n#1\n#1\n"  # result 1 -> Buy -> 1 unit -> Pay
    first = run_shell(tmp_path, buy, "--files", "files", "--echo")
    assert first.returncode == 0, first.stderr
    assert "沙箱支付" in first.stdout and "(sandbox payment page: Pay pressed)" in first.stdout
    assert "✅ 已支付 ¥49" in first.stdout
    qr_files = list((tmp_path / "files").glob("*code-*.png"))
    assert len(qr_files) == 1
    code = qr_files[0].stem.split("code-")[1]
    redeem = (f"/as chuanwei-chuanchuan-staff\n/redeem {code}\n#1\n/redeem {code}\n"
              "/as haidilao-staff\n/redeem " + code + "\n")
    second = run_shell(tmp_path, redeem, "--echo")
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "券码有效" in out and "核销成功" in out
    assert "→ to guest:" in out and "这次到店体验如何" in out
    assert "这个券码已经使用过了" in out  # the second redemption is refused
    assert "你的门店没有这个券码" in out  # another merchant's staff learn nothing
    assert "Traceback" not in first.stderr + second.stderr


def test_the_merchant_journey_script_from_application_to_stats(tmp_path: Path) -> None:
    """The merchant issue's done-when, as `examples/merchant_journey.txt` plays it: apply,
    the admin approves, a store, a deal through the guided flow, a shopper buys it, staff
    invited by link scan its QR and redeem it, /stats shows the sale with a chart."""
    script = (ROOT / "examples" / "merchant_journey.txt").read_text(encoding="utf-8")
    result = run_shell(tmp_path, script, "--files", "files")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    for step in ("入驻申请已提交审核", "已通过「阿明鱼丸店」", "「阿明鱼丸店」已通过审核",
                 "已保存，优惠券现在可以在这里核销", "发布成功！【手工鱼丸双人套餐】",
                 "✅ 已支付 ¥38", "你已成为「阿明鱼丸店」的店员", "✅ 核销成功",
                 "已付款订单：1 笔", "营业额：¥38", "核销：1 张"):
        assert step in out, step
    [chart] = list((tmp_path / "files").glob("*stats-7d.png"))
    with Image.open(chart) as image:
        assert image.size[0] >= 800


def test_without_a_chinese_font_the_owner_hears_why_the_chart_is_english_and_the_shell_stays_quiet(
    tmp_path: Path,
) -> None:
    """A server with no CJK font (font_dirs = []): the journey's chart and the poster
    come in English, the owner is told so in chat, and no matplotlib warning (a line
    per missing glyph) floods the shell."""
    script = (ROOT / "examples" / "merchant_journey.txt").read_text(encoding="utf-8")
    result = run_shell(tmp_path, script + "/poster\n", "--files", "files", font_dirs="")
    assert result.returncode == 0, result.stderr
    out, err = result.stdout, result.stderr
    assert "营业额：¥38" in out
    assert "图表是英文的：服务器上没有能写中文的字体" in out
    assert "海报是英文的，店名写作“" in out
    for noise in ("Glyph", "UserWarning", "missing from font", "findfont", "Traceback"):
        assert noise not in err, err[-2000:]
    assert err.count("no font draws the chart labels") == 1, err[-2000:]
    [chart] = list((tmp_path / "files").glob("*stats-7d.png"))
    with Image.open(chart) as image:
        assert image.size[0] >= 800


def test_the_push_journey_script_from_poster_to_a_deferred_push(tmp_path: Path) -> None:
    """The push issue's done-when, as `examples/push_journey.txt` plays it: a shopper
    scans the poster (follow + welcome coupon), a campaign a minute ahead fires, she
    claims its coupon and checkout applies it, and quiet hours hold a night push till
    08:00."""
    script = (ROOT / "examples" / "push_journey.txt").read_text(encoding="utf-8")
    result = run_shell(tmp_path, script, "--files", "files", "--echo",
                       "--now", "2026-11-25T12:00+08:00")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    for step in ("已关注「海底捞火锅」", "关注礼「满50减10」已放入你的券包",
                 "海底捞火锅 送你一张优惠券：满100减20", "已放进你的卡包",
                 "已用券「满100减20」：-¥20，实付 ¥338", "推送 #2 已安排好"):
        assert step in out, step
    night, morning = out.split("» /later 11h")[1].split("» /later 9h")
    assert "一人食火锅套餐，¥88" not in night  # 23:02 in Shanghai: quiet hours
    assert "一人食火锅套餐，¥88" in morning and "延后（免打扰 / 常用时段）1" in morning


def test_a_campaign_whose_window_passed_before_a_restart_is_missed_and_the_owner_told(
        tmp_path: Path) -> None:
    """Issue 14: a campaign "now" with a 3-hour window, the shell started again 4 hours
    later: it no longer sits "待发送 · 已发 0 轮"; the owner hears it was missed."""
    make = ("/as ann\n/start shop_haidilao\n/as haidilao-owner\n/campaign new\n#1\n#1\n"
            "now\n3h\n#1\n")
    first = run_shell(tmp_path, make, "--now", "2026-11-25T12:00+08:00")
    assert first.returncode == 0, first.stderr
    assert "推送 #1 已安排好" in first.stdout
    again = run_shell(tmp_path, "/as haidilao-owner\n/campaign\n", "--now",
                      "2026-11-25T16:00+08:00")
    assert again.returncode == 0, again.stderr
    told, listed = again.stdout.split("(now you are haidilao-owner)")
    assert "推送 #1 没有发出" in told
    assert "#1 一人食火锅套餐 · 全部粉丝 · 2026-11-25 12:00 · 已错过" in listed
    assert "待发送" not in listed


def test_notices_to_other_users_are_addressed_by_name_in_the_shells_language(
        tmp_path: Path) -> None:
    """An admin told of an application, a shopper told their code was used in a later
    script: "→ to admin:" in English, not "→ to 582622326:" in Chinese."""
    apply = "/merchant\nNoodle Lab\n#4\n13800138000\n-\n#1\n"
    result = run_shell(tmp_path, apply, "--lang", "en")
    assert result.returncode == 0, result.stderr
    told = result.stdout.split("→ to ", 1)[1]
    assert told.startswith("admin:\n🆕 Merchant application from guest:")
    assert "[1] ✅ Approve" in told

    buy = "/as Mei\n/location 26.0 119.45\nhotpot\n#1\n#1\n#1\n#1\n"
    first = run_shell(tmp_path, buy, "--lang", "en", "--files", "files")
    assert first.returncode == 0, first.stderr
    [qr] = list((tmp_path / "files").glob("*code-*.png"))
    code = qr.stem.split("code-")[1]
    second = run_shell(tmp_path, f"/as chuanwei-chuanchuan-staff\n/redeem {code}\n#1\n",
                       "--lang", "en")
    assert second.returncode == 0, second.stderr
    assert "→ to Mei:" in second.stdout and "How was your visit?" in second.stdout


def test_a_second_run_saves_its_pictures_beside_the_first_runs_not_over_them(
        tmp_path: Path) -> None:
    """Two shell runs with the same --files folder: the second run's poster is 002-...,
    and the first run's 001-... is still the picture it was."""
    script = "/as haidilao-owner\n/poster\n"
    first = run_shell(tmp_path, script, "--files", "files")
    assert first.returncode == 0, first.stderr
    saved = sorted(p.name for p in (tmp_path / "files").iterdir())
    before = (tmp_path / "files" / saved[0]).read_bytes()
    second = run_shell(tmp_path, script, "--files", "files")
    assert second.returncode == 0, second.stderr
    again = sorted(p.name for p in (tmp_path / "files").iterdir())
    assert len(again) == 2 * len(saved) and set(saved) < set(again)
    assert (tmp_path / "files" / saved[0]).read_bytes() == before
    numbers = [int(name.split("-", 1)[0]) for name in again]
    assert numbers == list(range(1, len(again) + 1))


def test_the_referral_journey_script_from_invitation_to_claw_back(tmp_path: Path) -> None:
    """The ledger issue's done-when, as `examples/referral_journey.txt` plays it: A
    invites B, B invites C, C invites D; D buys; C, B and A earn levels 1, 2, 3 at the
    deal's rates; the code is redeemed and the merchant's share is payable; after the
    refund window the commissions are available; a second order refunded after its
    release and after the payouts claws everything back, below zero; `/earnings`,
    `/team`, `/payouts` show each figure and `o2o ledger check` passes."""
    script = (ROOT / "examples" / "referral_journey.txt").read_text(encoding="utf-8")
    result = run_shell(tmp_path, script, "--files", "files", "--echo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    # ¥168 at 10% / 5% / 3%, the platform's 5%: 16.80 + 8.40 + 5.04 + 8.40 + 129.36 = 168.
    first = out.split("» /as haidilao-staff")[0]
    for pending in ("待结算：¥16.80", "待结算：¥8.40", "待结算：¥5.04"):
        assert pending in first, pending
    assert "可结算：¥129.36（已核销" in out
    released = out.split("» /later 8d")[1]
    assert "可提现：¥16.80" in released
    after_dispute = out.split("» /admin refund 10")[1]
    assert "可提现：-¥16.80" in after_dispute and "已到账：¥33.60" in after_dispute
    assert "可结算：-¥129.36" in after_dispute and "已打款：¥258.72" in after_dispute
    assert "一级（你直接邀请的朋友）：1 人\n二级（朋友邀请的人）：1 人\n三级：1 人" in out
    assert list((tmp_path / "files").glob("*statement-haidilao-*.csv"))
    check = subprocess.run([sys.executable, "-m", "bot.cli", "ledger", "check", "--db",
                            str(tmp_path / "t.db")], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert check.returncode == 0 and check.stdout.startswith("ok:"), check.stdout


def test_the_group_journey_script_fills_one_group_and_refunds_another(tmp_path: Path) -> None:
    """The 拼团 issue's done-when, as `examples/group_journey.txt` plays it: three users
    fill a group of three and each gets a code; another group gets one member, the clock
    moves past its window, and that member is refunded and told; staff redeem a group
    code as any other; `o2o ledger check` passes."""
    script = (ROOT / "examples" / "group_journey.txt").read_text(encoding="utf-8")
    result = run_shell(tmp_path, script, "--files", "files", "--echo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    filled = out.split("» /as cai")[1].split("» /as dan")[0]
    assert filled.count("🎉 拼团成功！") == 3  # Amy and Bob told, and Cai herself
    assert "→ to amy:" in filled and "→ to bob:" in filled
    assert sum(line.startswith("🎫 ") for line in filled.splitlines()) == 3  # a code each
    assert "✅ 已成团" in filled and "👥 已参团：amy、bob、cai" in filled
    dan = out.split("» /as dan")[1].split("» /later 25h")[0]
    assert "还差2人" in dan
    later = out.split("» /later 25h")[1].split("» /as wanda-cinema-staff")[0]
    told = later.split("→ to")[-1]  # the last one told is Dan himself, in his own chat
    assert "你支付的 ¥29.90 已退回。\n「2D/3D电影票一张」的拼团在截止前没有凑齐人" in told
    assert "↩ 未成团，已全额退款" in later
    assert "✅ 核销成功。" in out.split("» /as wanda-cinema-staff")[1]
    check = subprocess.run([sys.executable, "-m", "bot.cli", "ledger", "check", "--db",
                            str(tmp_path / "t.db")], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert check.returncode == 0 and check.stdout.startswith("ok:"), check.stdout


def test_the_booking_journey_script_books_offers_neighbours_marks_and_cancels(
        tmp_path: Path) -> None:
    """The 订座 issue's done-when, as `examples/booking_journey.txt` plays it: an owner sets
    seating in one line; Amy types 明晚7点两位 and confirms; Bob, offered only the
    neighbouring slots, takes one; staff list the day and mark Bob arrived; Amy cancels
    and the table is free again; `o2o ledger check` passes."""
    script = (ROOT / "examples" / "booking_journey.txt").read_text(encoding="utf-8")
    result = run_shell(tmp_path, script, "--echo", "--now", "2026-11-25T12:00+08:00")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    owner = out.split("» /as amy")[0]
    assert "2人桌×1" in owner and "顾客现在就能订座" in owner
    amy = out.split("» /as amy")[1].split("» /as bob")[0]
    assert "明天 19:00有2位的桌" in amy and "🎉 订好了" in amy and "🕖 明天 19:00" in amy
    bob = out.split("» /as bob")[1].split("» /later 1d")[0]
    offered = bob.split("» #4")[0]
    assert "明天 19:00已订满" in offered and "19:00" not in offered.split("最近的空位时间")[1]
    assert "🕖 明天 17:30" in bob.split("» #4")[1]
    staff = out.split("» /as burger-bros-staff")[1].split("» /as amy")[0]
    assert "17:30 · 2人 · bob · 🟢 已确认" in staff and "19:00 · 2人 · amy" in staff
    assert "✅ 已标记 bob 到店" in staff and "17:30 · 2人 · bob · ✅ 已到店" in staff
    cancelled = out.split("» /as amy")[2]
    assert "已取消，桌位已释放" in cancelled
    assert "19:00 · 2人 · amy · ✖️ 已取消" in cancelled.split("» /as burger-bros-staff")[1]
    check = subprocess.run([sys.executable, "-m", "bot.cli", "ledger", "check", "--db",
                            str(tmp_path / "t.db")], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert check.returncode == 0 and check.stdout.startswith("ok:"), check.stdout
