## 钱：推荐佣金、提现、团队、商家结算、佣金比例（handlers/money.py）

money-owner-only = 只有通过审核的商家店主可以查看结算、设置推荐佣金。请先用 /merchant 申请入驻。
money-suspended = 你的商家已被平台暂停，暂时不能查看结算或修改佣金。请联系平台。
money-not-approved = 入驻申请通过后才能查看结算、设置推荐佣金。

referral-unchanged = ℹ️ 你之前已经来过了，这个邀请链接不会改变什么。

## /earnings
earn-title = 💰 我的推荐佣金
earn-available = 可提现：{ $amount }
earn-negative = ⚠️ 有已到账的佣金因订单退款被收回，可提现暂时为负，之后的佣金会先抵扣。
earn-pending = 待结算：{ $amount }（其中 { $frozen } 已核销，退款期 { $days } 天后可提现）
earn-pending-unredeemed = 待结算：{ $amount }（券码核销后，再过退款期 { $days } 天可提现）
earn-withdrawals = 提现中：{ $transit } · 已到账：{ $settled }
earn-levels-title = 团队各级带来的佣金（已扣除退款）：
earn-level-1 = 一级（你直接邀请的朋友）：{ $amount }
earn-level-2 = 二级（朋友邀请的人）：{ $amount }
earn-level-3 = 三级：{ $amount }
earn-recent-title = 最近记录：
earn-none = 还没有佣金。用 /team 里的邀请链接请朋友来，他们（和他们邀请的人）买团购，你就按商家设置的比例拿佣金。
earn-withdraw-hint = 只提一部分：/withdraw 金额，例如 /withdraw 50
earn-withdraw-button = 💸 提现 { $amount }
earn-move-accrued = +{ $amount } 佣金入账（第 { $level } 级，订单 #{ $order }）
earn-move-frozen = { $amount } 已核销，退款期过后可提现（订单 #{ $order }）
earn-move-released = { $amount } 退款期已过，转为可提现（订单 #{ $order }）
earn-move-undone = { $amount } 核销被撤销，回到待结算（订单 #{ $order }）
earn-move-voided = -{ $amount } 订单退款，佣金作废（订单 #{ $order }）
earn-move-clawed = -{ $amount } 已结算的订单退款，佣金收回（订单 #{ $order }）
earn-move-withdrawn = -{ $amount } 申请提现
earn-move-withdraw-cancelled = +{ $amount } 提现已取消，退回可提现
earn-move-other = { $amount } { $kind }

## /withdraw
withdraw-usage = 用法：/withdraw 金额，例如 /withdraw 50。现在可提现 { $available }。
withdraw-nothing = 现在没有可提现的佣金（可提现 { $available }）。核销后的佣金在退款期过后才能提现。
withdraw-too-much = 可提现只有 { $available }，不能提现 { $amount }。
withdraw-bad-unreadable = 看不懂「{ $text }」这个金额。请写数字，例如 /withdraw 50 或 /withdraw 12.5。现在可提现 { $available }。
withdraw-bad-not_positive = 提现金额要大于 0。现在可提现 { $available }。
withdraw-bad-decimals = 金额最多 { $digits } 位小数。现在可提现 { $available }。
withdraw-confirm = 确认提现 { $amount }？
    平台会核对后人工转账给你，并联系你确认收款方式；转账后这里记为「已到账」。
    提现后剩余可提现：{ $left }
withdraw-yes = ✅ 确认提现 { $amount }
withdraw-no = 取消
withdraw-done = ✅ 已申请提现 { $amount }，平台转账后会记为已到账。剩余可提现：{ $left }
withdraw-changed = 可提现金额已经变了（现在 { $available }），这次没有提现。要提现请重新操作。

## /team
team-title = 👥 我的团队
team-level-1 = 一级（你直接邀请的朋友）：{ $count } 人
team-level-2 = 二级（朋友邀请的人）：{ $count } 人
team-level-3 = 三级：{ $count } 人
team-how = 朋友通过你的链接第一次来到这里，就加入你的团队。团队里的人买团购，你按商家设置的比例拿佣金（/earnings 查看）。团队成员的名字不会显示。
team-link = 你的邀请链接：
    { $link }
team-share-text = 来这里找附近的团购优惠
team-forward = 📤 转发给朋友

## /payouts
payouts-title = 💳 { $merchant } · 结算
payouts-payable = 可结算：{ $amount }（已核销，等待平台打款）
payouts-payable-negative = 可结算：{ $amount }（打款后又有退款，之后的收入会先抵扣）
payouts-pending = 待核销：{ $amount }（券码核销后转为可结算）
payouts-paid = 已打款：{ $amount }
payouts-share = 合计：{ $amount }（已付订单中你的份额，已扣平台服务费、推荐佣金和退款）
payouts-none = 还没有收入。售出的团购核销后，你的份额会出现在这里。
payouts-recent-payable = 可结算最近变动：
payouts-recent-pending = 待核销最近变动：
payouts-recent-paid = 最近打款：
payouts-paid-line = • { $date } { $amount } · 参考号 { $reference }
payouts-statement-hint = 月度对账单：/export statement { $month }
money-line = • { $date } { $amount } · { $what }
money-order = 订单 #{ $order }
money-kind-payment = 售出
money-kind-redeemed = 核销
money-kind-lapsed = 过期未用（不退款）
money-kind-refund = 退款
money-kind-clawback = 核销后退款
money-kind-undo = 撤销核销
money-kind-payout_requested = 打款
money-kind-deposit_kept = 订座定金（归商家）
money-kind-payout_cancelled = 打款取消
money-detail-sale = 你的份额
money-detail-coupon = 优惠券抵扣
money-detail-share = 你的份额
money-detail-rounding = 分摊尾差
money-detail-payout = 打款
money-detail-cancelled = 取消
money-account-pending = 待核销
money-account-payable = 可结算

## /export statement
statement-usage = 用法：/export statement 2026-11（月份；不写则为本月）
statement-caption = 📄 { $merchant } · { $month } 对账单 · { $count } 条记录 · 可结算期初 { $opening } → 期末 { $closing } · 时间为 { $timezone }
statement-col-date = 时间
statement-col-entry = 类型
statement-col-order = 订单
statement-col-code = 券码
statement-col-account = 账户
statement-col-detail = 明细
statement-col-amount = 金额
statement-col-balance = 可结算余额
statement-opening = 期初余额
statement-closing = 期末余额

## /commission
commission-title = 🤝 推荐佣金（占顾客实付金额）
commission-rates = 一级 { $l1 } · 二级 { $l2 } · 三级 { $l3 }（合计 { $total }）
commission-default = 默认：{ $rates }
commission-cap = 上限：三级合计不超过 { $cap }（平台服务费 { $fee }）
commission-levels-note = 平台目前只给前 { $levels } 级发佣金。
commission-deals-title = 你的团购（编号 · 名称 · 佣金）：
commission-deal-default = • #{ $id } { $title }：按默认
commission-deal-own = • #{ $id } { $title }：{ $rates }
commission-usage = 设置默认：/commission 5 3 2（一、二、三级的百分比，可以有小数，如 2.5）
    单个团购：/commission 团购编号 8 4 2
    恢复默认：/commission 团购编号 default
commission-set-default = ✅ 默认推荐佣金已设为 { $rates }。之后付款的订单按新比例，已付订单不变。
commission-set-deal = ✅ 团购 #{ $id } 的推荐佣金已设为 { $rates }。之后付款的订单按新比例，已付订单不变。
commission-cleared = ✅ 团购 #{ $id } 恢复按默认推荐佣金（{ $rates }）。
commission-over-cap = 推荐佣金合计 { $total } 超过上限 { $cap }，没有修改。
commission-bad = 看不懂「{ $text }」。佣金写 0 到 100 之间的百分比（最多两位小数），例如 /commission 5 3 2。
commission-unknown-deal = 没有编号为 #{ $id } 的团购，或者它不是你的。发送 /commission 查看你的团购编号。

# Owed news of payouts (the outbox)
money-told-withdrawal-paid = 💸 你的提现 { $amount } 已转账（参考号 { $reference }）。/earnings 查看明细。
money-told-withdrawal-cancelled = 你的提现 { $amount } 已被平台取消，这笔钱已退回可提现余额。/earnings 查看。
money-told-merchant-paid = 💳 平台已向你打款 { $amount }（参考号 { $reference }）。/payouts 查看结算明细。
money-detail-deposit = 定金
