## 平台管理员（/admin）
admin-home-title = 📊 平台数据 · { $time }（{ $timezone }）
admin-users = 👥 用户：{ $count }
admin-merchants = 🏪 商家：已通过 { $approved } · 待审核 { $pending } · 已暂停 { $suspended } · 已拒绝 { $rejected }
admin-deals-on-sale = 🏷 在售团购：{ $count }
admin-orders-title = 💰 已支付订单
admin-orders-line = { $period }：{ $count } 单 · { $amount }
admin-orders-none = { $period }：无
admin-period-today = 今天
admin-period-week = 近 7 天
admin-period-all = 累计
admin-redeemed = 🎫 已核销券码：今天 { $today } · 近 7 天 { $week } · 累计 { $all }
admin-refunds-title = ↩️ 退款
admin-refunds-line = { $period }：{ $count } 笔 · { $amount }
admin-refunds-none = { $period }：无
admin-refunds-open = ⏳ 尚未完成的退款：{ $count } 笔
admin-home-hint = /admin find 名称 按名称查找商家。钱：/admin payables、/admin pay、/admin withdrawals、/admin fee、/admin refund 订单编号。
admin-pending-button = 📝 待审核申请（{ $count }）
admin-merchants-button = 🏪 商家列表
admin-refresh-button = 🔄 刷新
admin-home-button = 📊 管理首页
admin-prev = ◀ 上一页
admin-next = 下一页 ▶

admin-pending-title = 📝 待审核申请：{ $count } 个（第 { $page }/{ $pages } 页），先到先审
admin-pending-none = ✨ 没有等待审核的申请。
admin-pending-item = { $number }. 🏪 { $name } · { $category }
    📞 { $phone } · 申请人 { $applicant } · { $date }
    { $description }

admin-merchants-title = 🏪 商家：{ $count } 家（第 { $page }/{ $pages } 页），新的在前
admin-merchants-none = 还没有商家。
admin-merchant-line = { $number }. { $name } · { $status } · { $deals } · { $orders }
admin-status-pending = ⏳ 待审核
admin-status-approved = ✅ 已通过
admin-status-suspended = ⛔ 已暂停
admin-status-rejected = ❌ 已拒绝
admin-deals-live = 在售 { $count } 个
admin-deals-hidden = 已下架 { $count } 个
admin-deals-not-selling = 未开售
admin-paid-orders = 已支付 { $count } 单

admin-find-usage = 请发送 /admin find 加商家名称的一部分，如 /admin find 面
admin-find-title = 🔎 名称包含「{ $query }」的商家：{ $count } 家
admin-find-more = 只显示前 { $shown } 家；多加一个词可以缩小范围。
admin-find-none = 没有名称包含「{ $query }」的商家。

admin-page-status = { $status } · { $category } · { $slug }
admin-page-phone = 📞 { $phone }
admin-page-owner = 👤 店主：{ $owner }
admin-owner-none = 没有店主记录
admin-page-joined = 📅 入驻于 { $date }
admin-page-stores = 🏬 门店：{ $count }
admin-page-deals-approved = 🏷 在售团购：{ $live } / { $all }
admin-page-deals-suspended = 🏷 暂停期间下架的团购：{ $live } / { $all }
admin-page-deals-other = 🏷 团购：{ $all }（均未在售）
admin-page-orders = 💰 已支付订单：{ $count }
admin-page-redeemed = 🎫 已核销券码：{ $count }
admin-page-followers = ❤️ 关注者：{ $count }
admin-back-to-list = ◀ 商家列表

admin-suspend-button = ⛔ 暂停
admin-restore-button = ♻️ 恢复
admin-suspend-confirm = 确定暂停「{ $name }」吗？
    它在售的 { $live } 个团购会从搜索中消失、不能购买；已售出的券码仍可到店核销。会通知店主。
admin-suspend-yes = ⛔ 确定暂停
admin-suspend-no = 取消
admin-suspended = ⛔ 已暂停「{ $name }」：团购已下架、不能购买；已售出的券码仍可核销。已通知店主。
admin-restored = ♻️ 已恢复「{ $name }」：团购重新上架。已通知店主。
admin-already-suspended = 「{ $name }」已经是暂停状态，没有任何改动。
admin-already-restored = 「{ $name }」已经恢复了，没有任何改动。
admin-cannot-suspend = 「{ $name }」{ $status }：只有已通过的商家可以暂停。
admin-cannot-restore = 「{ $name }」{ $status }：只有已暂停的商家可以恢复。
admin-owner-suspended = ⛔「{ $name }」已被平台暂停：团购暂时下架，不能购买。顾客已经买到的券码仍可照常核销。如有疑问请联系平台。
admin-owner-restored = ✅「{ $name }」已恢复：你的团购重新上架了。

## 钱（/admin payables、pay、withdrawals、paid、cancel、fee、refund）
admin-payables-button = 💳 商家结算
admin-withdrawals-button = 💸 待处理提现
admin-payables-title = 💳 有待结算款的商家：{ $count } 家
admin-payables-line = { $number }. #{ $id } { $name } — 可结算 { $payable } · 待核销 { $pending }
admin-payables-none = 目前没有商家有待结算的钱。
admin-payables-hint = 打款后记录：/admin pay 商家编号 金额 转账参考号
admin-pay-usage = 用法：/admin pay 商家编号 金额 转账参考号，例如 /admin pay 3 1000 BANK-20261125-01
admin-merchant-unknown = 没有编号为 { $id } 的商家。
admin-bad-amount = 看不懂「{ $text }」这个金额，请写大于 0 的数字（最多两位小数）。
admin-pay-too-much = 「{ $name }」可结算只有 { $payable }，不能打款 { $amount }。
admin-pay-done = ✅ 已记录向「{ $name }」打款 { $amount }（参考号 { $reference }）。剩余可结算：{ $left }。
admin-withdrawals-title = 💸 待处理的提现：{ $count } 笔
admin-withdrawals-line = { $number }. #{ $id } { $name }（Telegram id { $telegram }）— { $amount } · 申请于 { $date }
admin-withdrawals-none = 没有待处理的提现。
admin-withdrawals-hint = 转账后点「已转账」并发送转账参考号（或 /admin paid 提现编号 参考号）。
admin-payout-paid-button = ✅ 已转账 #{ $id }
admin-payout-cancel-button = ✖ 取消 #{ $id }
admin-payout-reference-ask = 请发送提现 #{ $id }（{ $amount }）的转账参考号：
admin-payout-reference-again = 请发送提现 #{ $id } 的转账参考号（文字）。
admin-payout-paid-done = ✅ 提现 #{ $id }（{ $amount }）已记为已转账，参考号 { $reference }。
admin-payout-unknown = 没有编号为 #{ $id } 的提现。
admin-payout-not-requested = 提现 #{ $id } 不在待处理之列（已转账、已取消或不存在），没有改动。
admin-paid-usage = 用法：/admin paid 提现编号 转账参考号
admin-cancel-usage = 用法：/admin cancel 提现编号
admin-payout-cancel-confirm = 取消提现 #{ $id }（{ $amount }）？这笔钱会退回对方的可提现余额。
admin-payout-cancel-yes = ✖ 确定取消
admin-payout-cancel-no = ↩ 返回
admin-payout-cancelled = ✅ 提现 #{ $id } 已取消，{ $amount } 已退回对方的可提现余额。
admin-fee-usage = 用法：/admin fee 商家编号 百分比（如 3.5），或 /admin fee 商家编号 default 恢复平台默认
admin-fee-bad = 看不懂「{ $text }」。服务费写 0 到 100 之间的百分比，最多两位小数。
admin-fee-refused = 不能把「{ $name }」的服务费设为 { $fee }：加上它的推荐佣金会超过 100%。
admin-fee-done = ✅「{ $name }」的平台服务费设为 { $fee }，之后付款的订单适用。
admin-fee-default = ✅「{ $name }」的平台服务费恢复为平台默认（{ $fee }），之后付款的订单适用。
admin-refund-usage = 用法：/admin refund 订单编号（整单退款，包括已核销的券码）
admin-refund-unknown = 没有编号为 #{ $id } 的已付订单。
admin-refund-confirm = 整单退款订单 #{ $id }「{ $title }」（实付 { $total }）？
    已核销的券码也会退：钱从商家的可结算、平台服务费和推荐佣金中扣回（已可提现的佣金也会收回），买家会收到通知。
admin-refund-yes = ↩ 确定整单退款
admin-refund-nothing = 订单 #{ $id } 没有可退的券码，没有改动。
admin-refund-done = ✅ 订单 #{ $id } 已退款 { $amount }（{ $count } 张券码），买家已收到通知。
admin-refund-pending = ⏳ 订单 #{ $id } 的退款 { $amount }（{ $count } 张券码）已记录，支付渠道还在处理；完成后买家会收到通知。
