# 中文界面文字。键名与 en/main.ftl 一一对应（有测试检查）。

friend = 朋友
start-greeting =
    { $name }，你好！👋 我是你的本地优惠助手。
    告诉我你想吃什么、玩什么（比如「火锅」「奶茶」「KTV」），我帮你找附近的团购优惠；在线付款，到店出示券码即可使用。
link-invalid = 这个链接已失效或不完整，先看看主菜单吧。
storefront-deals = 在售优惠（{ $count } 个）：
storefront-stores = 🏬 门店：
storefront-no-deals = 暂时没有在售的优惠，关注后上新第一时间通知你。
inline-open = 🔍 在助手里查看
menu-title = 主菜单：
menu-nearby = 📍 附近优惠
menu-search = 🔍 搜索
menu-codes = 🎫 我的券码
menu-following = ⭐ 我的关注
menu-settings = ⚙️ 设置
menu-help = ❓ 帮助
help-text =
    我能帮你：
    • 直接输入想找的，如「火锅」「奶茶」「hotpot」
    • 📍 发送位置，查看附近优惠
    • 在优惠详情里点「立即购买」，付款后券码直接发到聊天
    • /mycodes 查看已购券码、再次出示二维码、申请退款
    • 拼团：在拼团优惠里「开团」或「参团」，人齐了一起拿拼团价；/mygroups 查看进度、邀请好友、退出退款
    • 订座：发“明晚7点两位”或点餐厅的📅订座；/bookings 修改或取消（店员：/bookings today 查看当天预订并标记到店）
    • /redeem 券码：店员核销（也可用 Telegram 扫券码二维码）
    • /merchant：商家申请入驻；/addstore、/stores：添加、修改门店；/staff：邀请、管理店员
    • /seating：开放订座（桌位、时段、定金）；/daybook：当天的预订、到店标记、散客入座
    • /newdeal：发布团购（也可一行：/newdeal 名称 | 团购价 | 原价 | 数量 | 截止日期，要拼团再加 | 拼团 3人 69元 24小时）；/import：用 CSV 批量导入；/deals：管理团购
    • /stats：经营数据和图表；/export：导出订单（/export statement：月度对账单）；/poster：店铺二维码海报
    • /payouts：结算（可结算、待核销、已打款）；/commission：设置推荐佣金
    • /team：我的团队和邀请链接；/earnings：我的推荐佣金；/withdraw 金额：提现
    • /campaign：给粉丝推送优惠券或团购（选人群、定时、每周重复）
    • /following 查看关注的商家
    • /settings 推送（暂停、每日上限、免打扰）、时区、语言
    • /coupons 我的卡包；/coupon：商家管理优惠券（满减、折扣、赠品、关注礼）
    • /cancel 退出当前操作
search-prompt = 想找什么？直接输入关键词（如「火锅」「奶茶」），或选一个分类：
search-empty = 请输入想找的内容，例如「火锅」或「奶茶」。
nearby-prompt = 请点击下方按钮发送你的位置，我来找附近的优惠。
share-location = 📍 发送我的位置
nearby-not-by-distance = 以上结果还没按距离排：我还不知道你在哪。点下方「📍 发送我的位置」，我就按距离重新找一遍。
location-saved = 已记住你的位置（精确到约 100 米）。
forget-done = 已删除你的位置记录。之后搜索不再按距离排序，除非你再次发送位置。
forget-nothing = 我们没有保存你的位置。
location-invalid = 这个位置看起来不对（纬度需在 -90 到 90，经度在 -180 到 180 之间），请重新发送。
codes-none = 你还没有券码。找个优惠买一张吧！
codes-title = 你的券码（{ $count } 张）：
codes-line = { $code } · { $title } · { $status } · 有效至 { $until }
code-status-issued = 未使用
code-status-redeemed = 已使用
code-status-void = 已退款
code-status-expired = 已过期
following-none = 你还没有关注任何商家。在优惠详情里点「关注」即可。
following-title = 你关注的商家（{ $count } 家）：
unfollow-button = 取消关注 { $name }
follow-button = ⭐ 关注 { $name }
share-button = 📤 分享
share-text = 把「{ $title }」分享给朋友：
    { $link }
share-forward = 📤 转发给朋友
follow-done = 已关注！有新优惠会第一时间告诉你。
follow-already = 你已经关注过这家了。
unfollow-done = 已取消关注。
unfollow-not = 你没有关注这家商家。
    界面语言：{ $language }
    选择语言：
language-auto = 跟随 Telegram
language-zh = 中文
language-en = English
language-set = 好的，已切换为中文。
cancel-done = 已退出当前操作。
cancel-nothing = 当前没有进行中的操作。
flow-cancel-hint = （发送 /cancel 可退出当前操作）
flow-draft-kept = 📝 你的{ $draft }还保留着：直接回复它上一个问题即可继续，发送 /cancel 放弃。
flow-draft-dropped = 你之前未完成的{ $draft }已放弃。
flow-draft-newdeal = 团购草稿
flow-draft-coupon = 优惠券草稿
flow-draft-campaign = 推送活动草稿
flow-draft-merchant = 入驻申请
flow-draft-store = 门店资料
unknown-command = 抱歉，我不认识这个命令。可以直接输入想找的内容，或用下面的菜单：
unsupported-message = 暂时还看不懂{ $kind }。请发文字、命令或位置给我。
kind-sticker = 贴纸
kind-voice = 语音
kind-audio = 音频
kind-video = 视频
kind-video_note = 视频消息
kind-photo = 图片
kind-document = 文件
kind-contact = 名片
kind-poll = 投票
kind-animation = 动图
kind-dice = 骰子
kind-game = 游戏
kind-other = 这类消息
text-too-long = 消息太长了（超过 4096 个字符），请说得简短一些。
button-stale = 这个按钮已经失效了，请重新查询。
deal-gone = 抱歉，这个优惠已经下架了。
error-generic = 抱歉，出了点问题，请稍后再试。你的数据没有丢失。
search-none = 没有找到与「{ $query }」相关的优惠。换个词试试，或看看这些分类：
search-none-kind = 附近还没有「{ $query }」的优惠：这类店还没有在这里上架。看看这些有优惠的分类：
search-found = 找到 { $count } 个「{ $query }」优惠（第 { $page }/{ $pages } 页）：
search-found-all = 全部 { $count } 个优惠（第 { $page }/{ $pages } 页）：
result-line = { $number }. { $title } — { $merchant }
    { $price }（原价 { $original }，{ $discount }）
result-distance = 📍 距你 { $distance }
search-found-near = 找到 { $count } 个 { $radius } 内的「{ $query }」优惠（第 { $page }/{ $pages } 页）：
search-found-near-all = { $radius } 内全部 { $count } 个优惠（第 { $page }/{ $pages } 页）：
search-none-near = { $radius } 内没有「{ $query }」的优惠。扩大范围看看，或换个分类：
search-none-near-all = { $radius } 内没有优惠。扩大范围看看，或换个分类：
search-found-place = 找到 { $count } 个{ $radius }的「{ $query }」优惠（第 { $page }/{ $pages } 页）：
search-found-place-all = { $radius }全部 { $count } 个优惠（第 { $page }/{ $pages } 页）：
radius-of-place = { $place } { $radius } 内
near-usage = 告诉我你在哪儿，例如：/near 万达 或 /near 罗星塔
place-unknown = 我还不认识「{ $name }」。可以直接发送位置，或换个地名试试（商场、地标、地铁站）。
place-did-you-mean = 我不认识「{ $name }」，你是说：

use-last-location = 📍 用上次的位置（{ $hours } 小时前）
search-wider = 🔭 看看更远的
ranking-reason = ✨ 你常选{ $category }，相关优惠排在前面
sort-nearest = 最近
sort-cheapest = 最便宜
sort-biggest-discount = 折扣大
sort-best-rated = 评分高
sort-popular = 人气
open-now-on = 🕒 只看营业中
open-now-off = 🕒 显示全部（含休息中）
search-none-open = 现在没有营业中的「{ $query }」优惠。
search-none-open-all = 现在没有营业中门店的优惠。
store-open = 营业中
store-closed = 休息中
search-nearby-categories = 附近有这些分类的优惠：
page-prev = ◀ 上一页
page-next = 下一页 ▶
back-to-results = ↩ 返回结果
discount-percent-off = 省 { $percent }%
card-merchant-rated = { $merchant } · ⭐ { $rating }
card-price = 💰 { $price }  原价 { $original }  { $discount }
card-validity = 📅 有效期：{ $start } 至 { $end }
card-not-yet-valid = ⏳ { $start } 起可用
card-stock-left = 📦 剩余 { $left } 份 · 已售 { $sold }
card-stock-unlimited = 📦 不限量 · 已售 { $sold }
card-per-user-limit = 👤 每人限购 { $limit } 份
refund-anytime = ↩ 随时退 · 过期自动退
refund-on-expiry = ↩ 过期未使用自动退
refund-none = ⚠ 售出后不退不换
card-rules = 📋 使用规则：{ $rules }
card-stores = 🏬 适用门店：
card-store-line = • { $name }｜{ $address }（营业 { $hours }）
card-not-on-sale = ⛔ 该优惠目前不可购买（已售罄、已过期或已暂停）。
cmd-start = 开始 / 主菜单
cmd-help = 帮助
cmd-search = 搜索优惠
cmd-mycodes = 我的券码
cmd-following = 我的关注
cmd-settings = 推送、时区与语言
cmd-forget = 删除我的位置记录
cmd-cancel = 退出当前操作
cmd-redeem = 核销券码（店员）

## 理解自由输入（handlers/understand.py）
nlu-clarify = 想确认一下：“{ $text }”，您是想……？
nlu-choice-search_deals = 🔍 找优惠
nlu-choice-show_deal = 🏪 看这家店的团购
nlu-choice-book_table = 📅 订位
nlu-choice-buy = 🛒 购买
nlu-choice-my_codes = 🎟 我的券码
nlu-choice-follow = ⭐ 关注这家店
nlu-choice-unfollow = 取消关注
nlu-choice-my_follows = ⭐ 我的关注
nlu-choice-set_location = 📍 设置我的位置
nlu-choice-settings = ⚙️ 设置
nlu-choice-help = ❓ 帮助
nlu-choice-cancel = ✖️ 取消
nlu-choice-refund = ↩️ 退款
nlu-refund-how = 退款从券码发起：未使用的券码可按各团购的退款规则退款。这是您的券码：
nlu-buy-how = 购买请打开团购，点“购买”按钮。为您找到：
nlu-greeting = 您好！告诉我想吃什么，比如“附近的火锅 100以内”，或者从下面选：
nlu-thanks = 不客气，祝您用餐愉快 😊
nlu-bye = 再见！饿了再来找我 👋
nlu-unknown = 抱歉，没太明白。我可以帮您找附近的优惠，比如“附近的奶茶”，或选个分类：
nlu-follow-which = 关注哪家店？打开门店团购点“关注”，或直接说“关注海底捞”。
nlu-merchant-unknown = 还不认识叫“{ $name }”的店。
nlu-radius-capped = 这个范围太远了，已为您在 { $km } 公里内搜索。

## 柜台海报（o2o poster，bot/commands/poster.py）
poster-tagline = 扫码关注，查看本店优惠
poster-stores = 门店地址

## Buying
buy-button = 🛒 立即购买 · { $price }
buy-how-many = 「{ $title }」要买几份？（最多 { $most } 份）
buy-how-many-type = 也可以直接输入份数，比如「8」。
buy-quantity-range = 份数要在 1 到 { $most } 之间。
buy-quantity-over-limit = { $bought ->
        [0] 这个优惠每人限购 { $limit } 份。
       *[other] 这个优惠每人限购 { $limit } 份，你已买或保留了 { $bought } 份，最多还能买 { $most } 份。
    }
buy-quantity-too-many = 一单最多买 { $most } 份。
buy-deal-gone = 抱歉，这个优惠已无法购买。
buy-sold-out = 抱歉，已经售罄了。
buy-not-enough = 只剩 { $most } 份了，请少选几份。
buy-limit-reached = 这个优惠每人限购 { $limit } 份，你已达上限。
buy-held-again = 这个优惠你有一笔未支付的订单，再发给你一次。
buy-bad-quantity = 请用按钮选择份数。
invoice-description = { $title }：到店使用的团购券
invoice-label = { $quantity } 份团购券
pay-unavailable = 支付暂时不可用，未扣款，订单已释放。请过几分钟再试。
order-summary = 🧾 { $title }
    { $quantity } × { $unit } = { $total }
order-hold = 已为你保留到 { $until }，请在此之前付款。
pay-sandbox-note = 🧪 沙箱支付：测试页面，不会真实扣款。
pay-button = 💳 支付 { $total }
order-cancel = 取消订单
order-cancelled = 订单已取消，未扣款。
order-hold-expired = ⌛ 「{ $title }」（{ $quantity } 份，{ $total }）的保留时间已过，订单已自动取消，未扣款。
    还想要的话可以再买一次。
order-buy-again = 🛒 再买一次
order-not-pending = 这个订单已无法取消（已支付、已过期或已取消）。
precheck-unknown-order = 订单不存在，请从优惠页面重新下单。
precheck-paid-already = 这个订单已经付过款了，券码在 /mycodes 里。
precheck-order-closed = 订单已关闭，请从优惠页面重新下单。
precheck-order-expired = 保留时间已过，请从优惠页面重新下单。
precheck-amount-changed = 价格有变动，请从优惠页面重新下单。
payment-unknown = 收到一笔无法对应订单的付款，已通知工作人员，会为你退款。
payment-refunded = 你支付的 { $amount } 已退回。
payment-refund-pending = 你支付的 { $amount } 将会退回，正在处理中。
refund-why-late-payment = 付款到达前保留时间已过，且期间已售罄。
refund-why-double-payment = 这个订单之前已经付过款了。
refund-why-amount-changed = 付款金额与订单不符。
refund-why-order-closed = 付款到达前订单已关闭。
paid-header = ✅ 已支付 { $total }。「{ $title }」的券码共 { $count } 张：
code-caption = 🎫 { $code }
    { $title }
    有效期 { $start } 至 { $end }。到店出示此二维码（或券码）即可使用。
paid-more-codes = 另有 { $count } 张券码（二维码见 /mycodes）：
paid-footer = 到店出示券码即可使用。/mycodes 查看全部券码。

## Codes and refunds
codes-show-hint = 点按券码可再次显示二维码。
refund-button = ↩ 退款
refund-offer-one =
    退掉券码 { $code }（「{ $title }」），退回 { $amount }。
    券码会立即失效，款项原路退回。
refund-offer-choice =
    券码 { $code }（「{ $title }」）：只退这一张，退回 { $amount }；
    或退掉这个订单全部 { $count } 张未使用的券码（{ $codes }），退回 { $all }。
    退掉的券码会立即失效，款项原路退回；其余券码照常可用。
refund-yes = 确定退款 { $amount }
refund-this = ↩ 只退这张 · { $amount }
refund-all = ↩ 全部 { $count } 张未使用都退 · { $amount }
refund-no = 不退了
refund-changed = 这个订单的券码刚刚有变化（被使用或已退款），没有退款。请按最新情况重新确认：
refund-nothing = 这个订单没有可退的券码了。
refund-policy-none = 这个优惠不支持退款。
refund-policy-on-expiry = 这个优惠不支持主动退款；未使用的券码过期后会自动退款。
refund-redeemed = 券码已使用，不能退款。
refund-done = ↩ 已退款 { $amount }（{ $count } 张券码：{ $codes }）。
refund-pending = ↩ 已退掉 { $count } 张券码（{ $codes }），{ $amount } 的退款正在处理中。
rate-ask = 这次到店体验如何？
rate-rated = 感谢你的 { $stars } 评价！
rate-already = 你已经评价过这次消费了，谢谢！
rate-invalid = 无法给出这个评价。

## Redeeming (staff)
redeem-not-staff = 只有商家店员可以核销券码。如果这是你的券码，到店出示即可。
redeem-ask = 请输入要核销的券码（如 7QH4-K2MX-9TDA），或用 Telegram 扫描券码二维码。
redeem-scanned-by-shopper = 这是一个核销二维码：请到店出示给店员扫码。
redeem-code-line = 🎫 { $code } · { $title }
    顾客：{ $shopper } · 有效期 { $start } 至 { $end }
redeem-check-ok = ✅ 券码有效，确认核销：
redeem-free-item = 🎁 本单赠品：{ $item } ×1 —— 请一并交给顾客。
redeem-confirm-at = 在「{ $store }」核销
redeem-locked = 🔒 错误次数过多，核销已锁定至 { $until }。
redeem-typo = 「{ $code }」似乎输错了（校验位不符），请逐字核对。
redeem-unknown = 你的门店没有这个券码。
redeem-unreadable = 请输入券码，例如 7QH4-K2MX-9TDA。
redeem-not-a-code = 这不是券码：券码是 12 位字母和数字，例如 7QH4-K2MX-9TDA。
redeem-wrong-store = 这个券码不能在你的门店核销。
redeem-redeemed = ⚠ 这个券码已经使用过了。
redeem-redeemed-at = 使用时间：{ $at }。
redeem-void = ⚠ 这个券码已退款，不能再使用。
redeem-expired = ⚠ 这个券码已过期。
redeem-not-yet = ⚠ 这个券码还未到使用时间。
redeem-taken = ⚠ 这个券码刚刚已被其他人核销。
redeem-stale = 这个确认已失效，请重新查验券码。
redeem-done = ✅ 核销成功。
redeem-undo = ↩ 撤销（扫错了）
redeem-shopper-told = ✅ 你的券码 { $code }（「{ $title }」）已在「{ $store }」使用，祝用餐愉快！
redeem-shopper-undone = ↩ 商家撤销了你的券码 { $code }（「{ $title }」）的核销（扫错了），券码可以继续使用。
redeem-undone = ↩ 已撤销核销，券码可以再次使用。
redeem-too-late = 核销超过 10 分钟后不能撤销。
refund-why-expired = 你未使用的券码已过期，款项已自动退回。

## The sandbox payment page
web-pay-title = O2O 支付
web-pay-sandbox = 沙箱：测试支付页面，不会真实扣款。
web-pay-unknown = 这个支付链接无效。
web-pay-paid = 这个订单已支付，券码已发到聊天里。
web-pay-closed = 这个订单已关闭（已取消或保留时间已过），请回到聊天重新购买。
web-pay-cancelled = 这个订单已取消，未扣款。想要的话请回到聊天重新购买。
web-pay-expired = 这个订单的保留时间已过，已自动取消，未扣款。想要的话请回到聊天重新购买。
web-pay-done = 支付成功，券码已发到聊天里。
web-pay-refunded = 这个订单无法接受这笔付款，将为你退款，详情见聊天。
web-pay-back-done = 谢谢！券码正在发往聊天。
web-pay-back-cancelled = 已取消支付，未扣款；保留时间内可回到聊天再次支付。

## Staff (merchant owners)
staff-owner-only = 只有商家店主可以管理店员。
staff-title = { $merchant } 的店员（{ $count } 人）：
staff-line = • { $name } · { $role } · 加入于 { $since }
staff-role-owner = 店主
staff-role-staff = 店员（可核销）
staff-remove = 移除 { $name }
staff-invite-button = ➕ 邀请店员
staff-invite-link = 把这个链接发给要在门店核销券码的人。链接只能用一次，{ $hours } 小时内有效：
    { $link }
staff-removed = 已移除，对方不能再核销你的券码。
staff-not-removed = 这个人不是你的店员（或是店主本人）。
staff-join-joined = ✅ 你已成为「{ $merchant }」的店员：可以用 /redeem 或扫码核销券码。
staff-join-already = 你已经是「{ $merchant }」的成员了。
staff-join-used = 这个邀请链接已被使用，请向店主索取新的链接。
staff-join-expired = 这个邀请链接已过期，请向店主索取新的链接。
staff-join-unknown = 这个邀请链接无效。

## Becoming a merchant
merchant-intro = 🏪 入驻 O2O：四个简单步骤介绍你的店铺，平台管理员审核（通常一天内）。随时发送 /cancel 退出。
merchant-ask-name = 1/4 · 店铺名称？（2 到 60 个字）
merchant-bad-name = 这个名称不行：需要 2 到 60 个字，并包含文字。
merchant-ask-category = 2/4 · 经营什么？请选择类别：
merchant-ask-phone = 3/4 · 联系电话？（顾客和平台联系你用）
merchant-bad-phone = 这不像电话号码（数字、空格、横线，可以以 + 开头）。
merchant-ask-description = 4/4 · 用一两句话介绍你的店（最多 300 字），或发送「-」跳过。
merchant-bad-description = 太长了：最多 300 字。
merchant-ask-confirm = 请用按钮提交或取消。
merchant-summary = 你的入驻申请：
    🏪 { $name }
    { $category }
    📞 { $phone }
    { $description }
merchant-submit = ✅ 提交
merchant-cancel = 取消
merchant-cancelled = 已取消申请，没有提交任何内容。
merchant-submitted = 📨 谢谢！「{ $name }」的入驻申请已提交审核，有结果会第一时间在这里通知你。
merchant-status-pending = 「{ $name }」的入驻申请正在审核中，有结果会第一时间在这里通知你。
merchant-status-approved = 你是「{ $name }」的店主。/staff 邀请和管理店员。
merchant-status-suspended = 「{ $name }」已被暂停，优惠已下架，请联系平台。
merchant-review = 🆕 { $applicant } 的入驻申请：
    🏪 { $name }
    { $category }
    📞 { $phone }
    { $description }
merchant-approve = ✅ 通过
merchant-reject = ❌ 拒绝
merchant-decided-already = 这个申请已经处理过了。
merchant-admin-approved = 已通过「{ $name }」。
merchant-admin-rejected = 已拒绝「{ $name }」。
merchant-told-approved = 🎉「{ $name }」已通过审核！现在可以在 O2O 上开店了：/addstore 添加门店，/newdeal 发布团购，/staff 邀请店员。
merchant-told-rejected = 抱歉，「{ $name }」这次没有通过审核。可以用 /merchant 重新申请。

## Stores (merchant owners)
store-ask-name = 1/5 · 门店名称？（如「面条实验室（万达店）」）
store-bad-name = 需要 2 到 60 个字，并包含文字。
store-ask-address = 2/5 · 门店地址？
store-bad-address = 需要 4 到 200 个字。
store-ask-location = 3/5 · 门店在哪里？请发送位置（📎 → 位置），或输入我认识的地点，如「万达广场」。
store-ask-hours = 4/5 · 营业时间，如「10:00-22:00」「Mon-Fri 09:00-18:00; Sat-Sun 10:00-20:00」，没有请发「-」。
store-ask-phone = 5/5 · 门店电话，没有请发「-」。
store-ask-confirm = 请用按钮保存或取消。
store-share-location = 📍 发送门店位置
store-bad-location = 这个位置不对（坐标不可能存在）。
store-unknown-place = 我不认识这个地点。你是不是想找：{ $names }？也可以直接发送位置。
store-bad-hours = 看不懂这个营业时间。请写成 10:00-22:00，每天不同时加上星期：Mon-Fri 09:00-18:00; Sat 10:00-16:00。
store-summary = 🏬 { $name }
    { $address }
store-hours = 🕒 { $hours }
store-phone = 📞 { $phone }
store-save = ✅ 保存门店
store-saved = ✅「{ $name }」已保存，优惠券现在可以在这里核销。
store-cancelled = 已取消，没有添加门店。
store-not-approved = 入驻申请通过后才能添加门店、修改门店。
store-suspended = 你的商家已被暂停，暂时不能添加或修改门店。请联系平台。
store-owner-only = 只有商家店主可以管理门店。用 /merchant 申请入驻。
store-none = 还没有门店，/addstore 添加一个。
store-list-title = 你的门店（{ $count } 家）：

## 按角色的拒绝（路由的 area 可有自己的措辞：`deal-owner-only` 等）
role-owner-only = 只有已通过审核的商家店主可以这样做。可用 /merchant 申请入驻。
role-suspended = 你的商家已被平台暂停，暂时不能使用此功能。如有疑问请联系平台。
role-not-approved = 商家入驻申请通过后即可使用此功能。
role-not-staff = 只有商家店员可以这样做。
role-admin-only = 只有平台管理员可以这样做。

# Questions about one shop or deal (handlers/attributes.py)
attr-which-shop = 您问的是哪家店？可以直接说店名（如“海底捞几点关门”），或先打开它的团购再问。
attr-about = 🏪 { $name }
attr-store-fact = • { $name }：{ $fact }
attr-hours = 🕒 营业时间：
attr-phone = 📞 电话：
attr-address = 📍 地址：
attr-branches = 🏬 共 { $count } 家门店：
attr-rating = ⭐ 评分 { $rating } / 5
attr-price-range = 💰 团购价 { $low } 到 { $high }
attr-dishes-deal = 🍽 套餐内容：
attr-dishes-shop = 🍽 在售团购：
attr-pick-a-deal = 这要看具体的团购：打开下面的团购可以看到有效期和退款规则。
attr-reservations = 📅 可以订座：点“📅 订座”即可。
attr-not-held = 我这里没有{ $name }的{ $what }信息，建议直接问店家：📞 { $phone }
attr-not-held-no-phone = 我这里没有{ $name }的{ $what }信息，也没有它的电话。
attr-what-amenities = 设施（如wifi、停车、座位）
attr-what-nearby = 周边
attr-what-rating = 评分
attr-what-phone = 电话
attr-what-reservations = 是否可以预订
attr-open-deal = 🎟 打开团购
attr-open-shop = 🏪 它的全部团购
nlu-choice-ask_attribute = ℹ️ 问这家店的信息

# Flood control: a user sent many messages at once; each is still answered, slower.
flood-slow-down = 您发消息有点快啦 🙂 每条我都会回复，只是会稍慢一点。
