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
admin-home-hint = /admin find 名称 按名称查找商家。
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
