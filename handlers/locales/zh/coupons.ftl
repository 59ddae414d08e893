## Coupons: the wallet, claims, the merchant's /coupon, coupons at checkout.

## What a coupon gives
coupon-terms-amount-min = 满{ $min }减{ $off }
coupon-terms-amount = 无门槛减{ $off }
coupon-terms-percent = { $zhe }折
coupon-terms-percent-min = 满{ $min }享{ $zhe }折
coupon-terms-cap = ，最高减{ $cap }
coupon-terms-free = 赠{ $item }
coupon-terms-free-min = 满{ $min }赠{ $item }

## /coupons (the wallet)
coupons-title = 🎟 我的券包（{ $count } 张），下单时自动用上最划算的一张：
coupons-line = • { $merchant }：{ $terms } · 有效期至 { $until }
coupons-held = （已用于待支付的订单）
coupons-empty = 你的券包还是空的。扫店里的二维码或点优惠卡上的「关注」，很多店会送关注礼券；店铺页里也能直接领券。
coupons-shop-button = 🏪 { $merchant }

## Following and claiming
coupon-followed-shop = ✅ 已关注「{ $name }」，有新优惠会第一时间告诉你。
coupon-welcome-given = 🎁 关注礼「{ $terms }」已放入你的券包，有效期至 { $until }：/coupons
coupon-storefront-title = 🎟 可领的券：
coupon-storefront-line = • { $terms } · 领取后 { $days } 天有效{ $left }
coupon-storefront-left = （剩 { $left } 张）
coupon-claim-button = 🎟 领取 { $terms }
coupon-claimed = 🎟 已领取「{ $terms }」，有效期至 { $until }。在这家下单时会自动使用：/coupons
coupon-claim-already = 这张券你已经领过了，在 /coupons 里。
coupon-claim-gone = 抱歉，这张券已经被领完了。
coupon-claim-limit = 这张券每人能领的数量你已经领满了。
coupon-claim-ended = 这张券已经停止发放了。
coupon-claim-expired = 这张券的领取时间已经过了。

## The merchant's /coupon
coupon-list-title = 🎟 你的优惠券（{ $count } 种）：
coupon-list-line = { $number }. { $terms } · { $status } · 已领 { $claimed }/{ $quantity } · 已用 { $used } · 领后 { $days } 天有效 · 每人 { $limit } 张{ $welcome }
coupon-list-welcome = {" "}· 🎁 关注礼
coupon-list-none = 还没有优惠券。发一张：/coupon new 满100减20 | 7天 | 100张 | 每人1张，或者只发 /coupon new 一步一步来。
coupon-list-hint = 新建：/coupon new 满100减20 | 7天 | 100张 | 每人1张
coupon-status-active = 发放中
coupon-status-paused = 已暂停
coupon-status-ended = 已结束
coupon-status-exhausted = 已领完
coupon-unlimited = 不限
coupon-action-pause = { $number } ⏸ 暂停
coupon-action-resume = { $number } ▶ 恢复
coupon-action-end = { $number } ⏹ 结束
coupon-action-welcome = { $number } 🎁 设为关注礼
coupon-action-unwelcome = { $number } 取消关注礼
coupon-pause-done = 已暂停，不再发放；已领的券照常可用。
coupon-resume-done = 已恢复发放。
coupon-end-done = 已结束，不再发放；已领的券照常可用到期。
coupon-welcome-done = 已设为关注礼：以后每位新关注你的人都会自动得到一张（每人只送一次）。
coupon-unwelcome-done = 已取消关注礼。
coupon-action-already = 这张券现在不能这样操作（状态已经变了）。
coupon-welcome-ended = 已结束或已领完的券不能设为关注礼。

## /coupon new
coupon-new-intro = 发一张新优惠券，一步一步来。随时发 /cancel 退出。
coupon-ask-terms = 券的内容是什么？例如：满100减20、8折最高减30、20% off、送可乐一杯。
coupon-ask-days = 领取后多少天内有效？（1 到 { $max } 天，例如 7）
coupon-ask-quantity = 一共发多少张？（数字，或者「不限」）
coupon-ask-per-user = 每人最多能领几张？
coupon-days-button = { $days } 天
coupon-unlimited-button = 不限
coupon-preview =
    🎟 优惠券预览
    内容：{ $terms }
    有效期：领取后 { $days } 天
    数量：{ $quantity }
    每人限领：{ $limit } 张
coupon-create = ✅ 发布
coupon-cancel = 取消
coupon-created = ✅ 已发布「{ $terms }」。顾客可以在你的店铺页领取；在 /coupon 里设为关注礼后，每位新关注的人会自动得到一张。
coupon-created-already = 这张券已经发布过了：/coupon
coupon-cancelled = 已取消，没有发布。
coupon-one-line-usage = 格式：/coupon new 满100减20 | 7天 | 100张 | 每人1张
coupon-impact-title = 用在你的团购上：
coupon-impact-line = · { $title }{ $times } { $before } → { $after }{ $mark }
coupon-impact-times = {" "}×{ $quantity }
coupon-impact-more = …还有 { $count } 个团购
coupon-impact-cheapest = 用券后最低：{ $after }（{ $title }）
coupon-impact-warning = ⚠️ 有 { $count } 个团购会低于底价（原价的 { $percent }%）。请看清楚：按「发布」后还要再确认一次。
coupon-impact-no-deals = 你还没有在售的团购；以后发布团购时，请留意这张券会让它便宜多少。
coupon-impact-free-item = 赠品在店里兑现，团购价不变。
coupon-impact-none-applies = 你现在的团购一单都达不到这张券的门槛，暂时用不上。
coupon-confirm = ⚠️ 请再确认一次：「{ $terms }」会让 { $count } 个团购低于底价（原价的 { $percent }%），最低只要付 { $after }（{ $title }）。确定要发布吗？
coupon-confirm-button = ⚠️ 确定发布

## Why an answer was not taken
coupon-bad-empty = 没有收到内容。
coupon-bad-too-long = 太长了（{ $length } 个字），请控制在 { $max } 个字以内。
coupon-bad-unreadable = 看不懂这张券。可以写：满100减20、减20、8折、8.5折最高减30、20% off、送可乐一杯。
coupon-bad-amount-zero = 优惠金额要大于 0。
coupon-bad-min-zero = 「满0」没有意义：没有门槛请写「减20」或「无门槛减20」。
coupon-bad-amount-too-big = 金额太大了（最多 { $max } 元）。
coupon-bad-amount-decimals = 金额最多 { $digits } 位小数。
coupon-bad-off-not-below-min = 减的金额要小于门槛，比如满100减20。
coupon-bad-worth-every-deal = 「{ $terms }」抵得上你每个团购的全价（最贵的是 { $title } { $price }），顾客几乎不用付钱，不能发布。请加上使用门槛（比如 满100减20），或者减少金额。
coupon-bad-percent-range = 折扣要在 9.9折 到 1折 之间（优惠 1% 到 99%）。
coupon-bad-cap-zero = 最高优惠要大于 0。
coupon-bad-cap-not-percent = 「最高减」只用于打折券。
coupon-bad-item-bad = 请写清楚送什么，比如「送可乐一杯」（最多 { $max } 个字）。
coupon-bad-item-long = 赠品名称最多 { $max } 个字。
coupon-bad-days-unreadable = 请写天数，比如 7 或「7天」（1 到 { $max } 天）。
coupon-bad-days-range = 有效天数要在 1 到 { $max } 天之间。
coupon-bad-quantity-unreadable = 请写张数，比如 100，或者「不限」（最多 { $max } 张）。
coupon-bad-quantity-range = 张数要在 1 到 { $max } 之间。
coupon-bad-per-user-unreadable = 请写每人限领几张，比如 1（最多 { $max } 张）。
coupon-bad-per-user-range = 每人限领要在 1 到 { $max } 张之间。
coupon-bad-piece-unknown = 看不懂「{ $piece }」：竖线后面可以写有效期（7天）、数量（100张）、每人限领（每人1张）。
coupon-bad-piece-twice = 「{ $piece }」重复了。
coupon-bad-not-text = 请用文字回答。

## At checkout
order-coupon-applied = 🎟 已用券「{ $terms }」：-{ $saving }，实付 { $total }
order-coupon-free = 🎁 已用券「{ $terms }」，到店出示即可
order-coupon-change = 🎟 换券
order-coupon-choose = 给这笔订单（{ $subtotal }）选一张券：
order-coupon-option = { $terms }（省 { $saving }）
order-coupon-option-current = ✅ { $terms }
order-coupon-none = 不用券
order-coupon-nothing = 你在这家店没有其他能用的券。
buy-coupon-unavailable = 这张券现在用不了了（可能已过期或被别的订单占用），已为你用上其他最合适的券。

coupon-owner-only = 只有通过审核的商家店主可以发放优惠券。请先用 /merchant 申请入驻。
coupon-suspended = 你的商家已被暂停，暂时不能发放或修改优惠券。请联系平台。
coupon-not-approved = 入驻申请通过后才能发放优惠券。
