# 拼团（handlers/groups.py，以及优惠卡片、搜索、订单消息里拼团的部分）。键名与 en/groups.ftl 一一对应。

group-price = { $size }人团 { $price }
group-card-price = 👥 { $offer } · { $hours }小时内成团，未成团全额退款
group-card-open = 正在拼的团：
group-line = { $number }. { $names } · { $progress }
group-join-button = 🤝 参加第{ $number }个团（还差{ $missing }人）
group-open-button = 👥 开团 · { $price }
group-left-days = 剩 { $days }天{ $hours }小时
group-left-hours = 剩 { $hours }小时{ $minutes }分
group-left-minutes = 剩 { $minutes }分钟
group-progress = 还差{ $missing }人 · { $left }
group-members = 👥 已参团：{ $names }
group-members-none = 还没有人付款
group-share-button = 📤 邀请好友拼团
group-share-text = 一起拼「{ $title }」吧，人齐了都能拿到拼团价！
group-no-such = 找不到这个团（链接或按钮不完整）。看看主菜单吧：
group-order-summary = 🧾 { $title }
    👥 { $size }人团 · 拼团价 { $price } · 成团后发券码
group-order-window = 满 { $size } 人即成团；{ $until } 前未成团，全额原路退款。
group-refused-group-full = 这个团的名额刚被占满了（有人正在付款）。
group-refused-group-closed = 这个团已经结束了（已成团或已到截止时间）。
group-refused-no-such-group = 这个团不属于这个优惠。
group-open-own = 现在没有别的团可以加入，自己开一个，邀请朋友来拼吧：
group-already-member = 你已经在这个团里了，一人一个名额。把链接发给朋友，人齐就成团：
    { $link }
mygroups-button = 👥 我的拼团
group-not-group-deal = 这个优惠不是拼团优惠，可以直接按单买价购买：
group-deal-ending = 这个优惠快到期了，来不及再开新团。可以按单买价购买：
group-view-title = 👥 一起拼团：「{ $title }」
group-view-single = 单买 { $price }
group-view-deal = 📄 查看优惠详情
group-view-yours = 你已在这个团里。把链接发给朋友，人齐就成团：
    { $link }
group-view-filled = 这个团已经成团了。
group-join-this = 🤝 参团 · { $price }
group-joined = ✅ 已加入拼团「{ $title }」（{ $offer }）
group-joined-share = 把链接发给朋友：满 { $size } 人即成团，每人都会收到券码。
    { $link }
group-joined-filled = 🎉 这个团已经成团，券码马上发给你。
group-joined-closed = 这个团已经结束，款项会退回给你。
group-filled = 🎉 拼团成功！
mygroups-none = 你还没有参加拼团。在拼团优惠的详情里点「开团」或「参团」，或者直接发「拼团」看看有哪些。
mygroups-title = 你的拼团（{ $count } 个）：
mygroups-line = { $number }. 「{ $title }」· { $offer }
mygroups-open = ⏳ 拼团中 · { $progress }
mygroups-unpaid = 💳 待付款 · { $progress }
mygroups-filled = ✅ 已成团，券码见 /mycodes
mygroups-failed = ↩ 未成团，已全额退款
mygroups-left = ↩ 你已退出，已退款
mygroups-link = 🔗 邀请链接：{ $link }
group-leave-button = ↩ 退出第{ $number }个团并退款（{ $title }）
group-leave-ask = 确定退出「{ $title }」的拼团吗？你支付的 { $amount } 会原路退回，名额让给别人。
group-leave-yes = 确定退出，退回 { $amount }
group-leave-no = 不退了
group-left-done = ↩ 已退出拼团，{ $amount } 已退回。
group-left-pending = ↩ 已退出拼团，{ $amount } 的退款正在处理中。
group-leave-filled = 这个团已经成团，不能再退出了。券码在 /mycodes，未使用的券码可以按退款规则退款。
group-leave-nothing = 这个名额已经不在团里了（已退出、已退款或还没付款）。
refund-why-group-failed = 「{ $title }」的拼团在截止前没有凑齐人，未成团。
refund-why-group-left = 你退出了「{ $title }」的拼团。
refund-why-group-closed = 付款到达时「{ $title }」的团已经结束，也没有别的团可以加入。
group-open-again = 👥 再开一个团
group-filter-on = 👥 只看拼团
group-filter-off = 👥 显示全部
search-none-group = 没有「{ $query }」的拼团优惠。
search-none-group-all = 现在没有拼团优惠。
cmd-mygroups = 我的拼团
