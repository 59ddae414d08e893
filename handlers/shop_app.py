"""The Mini App's ways in from the chat (served by `bot.miniapp` at `<public_url>/app/
shop/<slug>`), all only when `public_url` is https (`Options.miniapp_base`), as Telegram
requires for Mini Apps:

- `open_shop_button`: an inline `web_app` button that opens a shop, or one deal's
  detail view in it (the storefront message, the deal card);
- `menu_button_replies`: the chat's menu button (beside the message box) opening the
  shop of the merchant the user followed last (a scanned poster follows too), or the
  bot's default (its commands) once they follow none. Sent after a follow or unfollow.
"""

from __future__ import annotations

from handlers.core import Button, Reply, SetMenuButton
from handlers.i18n import Translator
from handlers.links import deal_app_url, shop_app_url
from handlers.router import Request
from services.marketing.follows import latest_followed_shop


def open_shop_button(t: Translator, miniapp_base: str, slug: str,
                     deal_id: int | None = None) -> Button:
    """The `web_app` button that opens the shop `slug` in Telegram (on the deal
    `deal_id`'s detail view when given)."""
    if deal_id is None:
        return Button(t("app-open-button"), web_app=True, url=shop_app_url(miniapp_base, slug))
    return Button(t("app-open-deal-button"), web_app=True,
                  url=deal_app_url(miniapp_base, slug, deal_id))


def menu_button_for(t: Translator, miniapp_base: str, slug: str | None) -> SetMenuButton:
    """The chat's menu button opening the shop `slug`; the bot's default for None."""
    if slug is None:
        return SetMenuButton()
    return SetMenuButton(t("app-menu-button"), shop_app_url(miniapp_base, slug))


async def menu_button_replies(req: Request) -> list[Reply]:
    """The user's menu button after their follows changed: the shop they followed last,
    else the default. Nothing when the Mini App is not served over https."""
    base = req.app.options.miniapp_base
    if base is None:
        return []
    return [menu_button_for(req.t, base, await latest_followed_shop(req.db, req.user.id))]
