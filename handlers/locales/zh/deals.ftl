## 店主的团购：/newdeal、CSV 导入、/deals

deal-owner-only = 只有通过审核的商家店主可以发布团购。请先用 /merchant 申请入驻。
deal-suspended = 你的商家已被暂停，暂时不能修改团购。请联系平台。
deal-not-approved = 入驻申请通过后才能发布团购。
deal-no-stores = 请先添加门店（/addstore）：团购需要有可以使用的门店。

deal-intro = 我们来发布一个团购。我会一项一项地问；随时发送 /cancel 可以退出。
deal-ask-title = 团购叫什么名字？（2 到 60 个字，例如「双人火锅套餐」）
deal-ask-description = 用几句话介绍一下（最多 { $max_description } 字），或点「跳过」。
deal-ask-photo = 发一张团购的图片，或点「跳过」。
deal-ask-price = 团购价是多少？（例如 88 或 88.5）
deal-ask-original_price = 原价（门市价）是多少？（要高于团购价）
deal-ask-stock = 一共卖多少份？（最多 { $max_quantity } 份，或点「不限量」）
deal-ask-per_user_limit = 每人最多买几份？（1 到 { $max_limit }）
deal-ask-valid_from = 从哪天开始可以使用？（例如 2026-12-01 或 明天，或点「立即」）
deal-ask-valid_until = 用到哪天为止？（例如 2026-12-31 或 下周日；最多一年内）
deal-ask-usage_rules = 有什么使用规则吗（周末是否可用、是否需预约……）？最多 { $max_rules } 字，或点「跳过」。
deal-ask-stores = 哪些门店可以使用？点门店可以勾选或取消，选好后点「完成」。
deal-ask-category = 属于哪个分类？
deal-ask-tags = 标签帮助顾客找到它：几个词，用逗号隔开（例如 火锅, 双人），或点「跳过」。
deal-ask-refund_policy = 顾客可以退款吗？

deal-skip = 跳过
deal-unlimited = 不限量
deal-left-unlimited = 不限
deal-from-now = 立即
deal-days = { $days } 天后
deal-stores-done = ✔ 完成
deal-category-shop = 和店铺一样：{ $category }
deal-policy-anytime = 随时退
deal-policy-on_expiry = 过期自动退
deal-policy-none = 不可退

deal-field-form = 格式
deal-field-title = 名称
deal-field-description = 介绍
deal-field-photo = 图片
deal-field-price = 团购价
deal-field-original_price = 原价
deal-field-stock = 数量
deal-field-per_user_limit = 每人限购
deal-field-valid_from = 开始日期
deal-field-valid_until = 截止日期
deal-field-usage_rules = 使用规则
deal-field-stores = 门店
deal-field-category = 分类
deal-field-tags = 标签
deal-field-refund_policy = 退款

deal-bad-title-short = 名称至少要 { $min } 个字，并包含文字或数字。
deal-bad-title-long = 名称有 { $length } 个字，最多 { $max } 个字。
deal-bad-text-long = 这段有 { $length } 个字，最多 { $max } 个字。
deal-bad-price-not-number = 这看起来不是金额。请只输入数字，例如 88 或 88.5。
deal-bad-price-not-positive = 金额必须大于 0。
deal-bad-price-too-big = 超过了 { $max }，是不是输错了？
deal-bad-price-decimals = 金额最多 { $digits } 位小数。
deal-bad-original-not-above = 原价必须高于团购价，否则就不是优惠了。
deal-bad-count-not-number = 请输入 1 到 { $max } 之间的整数。
deal-bad-count-range = 请输入 1 到 { $max } 之间的整数。
deal-bad-date-invalid = 日历上没有这一天。
deal-bad-date-unreadable = 看不懂这个日期。可以输入 2026-12-31、12-31、12月31日、明天、下周一 这样的日期。
deal-bad-date-past = 这一天已经过去了。
deal-bad-date-too-far = 超过了 { $days } 天。
deal-bad-until-before-from = 截止日期不能早于开始日期。
deal-bad-tag-long = 标签「{ $tag }」太长了（最多 { $max } 个字）。
deal-bad-tags-many = 最多 { $max } 个标签。
deal-bad-policy-unknown = 不认识这种退款规则。请写 随时退、过期退 或 不可退。
deal-bad-category-unknown = 不认识这个分类。
deal-bad-one-line-shape = 一行格式需要用 | 分成 3 到 5 段，现在是 { $count } 段。
deal-bad-photo-not-photo = 这不是图片。请发一张图片，或点「跳过」。
deal-bad-photo-as-file = 这是以文件发送的。请以图片方式发送（不要选「作为文件」），或点「跳过」。
deal-bad-not-text = 请用文字回答。
deal-bad-use-buttons = 请点按钮选择。
deal-bad-field-unknown = 这一项不能在这里修改。
deal-bad-deal-ended = 这个团购已经结束，不能再修改。
deal-bad-file-excel = 这看起来是 Excel 工作簿。请另存为「CSV UTF-8」后再发送。
deal-bad-file-encoding = 读不出这个文件的文字。请另存为「CSV UTF-8」。
deal-bad-file-binary = 这不是文本文件。请发送 CSV 文件。
deal-bad-file-big = 文件太大了（最多 { $max_mb } MB）。
deal-bad-file-unreadable = 这不是有效的 CSV（{ $detail }）。
deal-bad-file-empty = 文件是空的。
deal-bad-file-columns = 缺少这些列：{ $missing }。第一行是：{ $found }。
deal-bad-file-no-rows = 文件只有表头，没有团购。
deal-bad-file-rows = 文件里有 { $rows } 个团购，每个文件最多 { $max } 个。请拆成几个文件再发送。
deal-bad-cell-empty = 是必填项，但为空
deal-bad-store-unknown = 你没有叫「{ $store }」的门店
deal-bad-row-repeated = 和第 { $first } 行完全相同

deal-one-line-problems = 这个团购还不能发布：
deal-one-line-usage = 格式：/newdeal 名称 | 团购价 | 原价 | 数量 | 截止日期，例如 /newdeal 双人火锅套餐 | 88 | 168 | 100 | 2026-12-31（数量和截止日期可以省略）。要做拼团，再加一段：| 拼团 3人 69元 24小时。

deal-preview =
    团购预览：
    【{ $title }】
    团购价 { $price }（原价 { $original }，{ $discount }）
    拼团：{ $group }
    数量：{ $stock } · 每人限购：{ $limit }
    有效期 { $start } 至 { $until }
    适用门店：{ $stores }
    分类：{ $category } · 标签：{ $tags }
    退款：{ $policy }
    介绍：{ $description }
    使用规则：{ $rules }
deal-publish = 🚀 发布
deal-edit = ✏️ 修改
deal-cancel = 取消
deal-edit-which = 要修改哪一项？
deal-cancelled = 已放弃，没有发布任何团购。
deal-published = 发布成功！【{ $title }】现在开始售卖。链接：{ $link }
deal-published-already = 这个团购已经发布过了。
deal-publish-not_owner = 只有通过审核的商家店主可以发布团购，且只能用自己的门店。
deal-publish-no_stores = 请先添加门店（/addstore）：团购需要有可以使用的门店。
deal-publish-duplicate = 这个团购已经发布过了。
deal-manage = 管理
deal-list = 我的团购

deal-import-help =
    要一次发布很多团购，请把 CSV 文件作为文件发给我。第一行是列名：
    title（标题）、price（价格）、original_price（原价）必填；quantity（数量）、valid_until（截止日期）、valid_from（开始日期）、per_user_limit（每人限购）、description（描述）、usage_rules（使用规则）、category（分类）、tags（标签）、refund_policy（退款规则）、stores（门店）可选。门店写名称，用「;」隔开；留空表示所有门店。
    拼团也可以导入：group_size（成团人数，2 到 50）、group_price（拼团价，低于价格）、group_hours（成团时限，小时，默认 24）；不拼团就留空。
    UTF-8 或 GBK 编码；每个文件最多 { $max } 个团购。我会先检查每一行：只要有一行有问题，就一个也不导入，并告诉你要改什么。
deal-import-template = 可以照着填的模板。
deal-import-not-csv = 我只能从 CSV 文件导入团购。发送 /import 查看格式。
deal-import-see-help = 发送 /import 查看格式和模板。
deal-import-refused = 没有导入任何团购：{ $rows } 行里有 { $bad } 行需要修改。
deal-import-row = • 第 { $row } 行，{ $column }：{ $problem }
deal-import-more = ……还有 { $count } 处。
deal-imported = { $count ->
        [0] 这 { $again } 个团购之前都已经导入过，没有新增。
       *[other] 已导入 { $count } 个团购，现在开始售卖。{ $again ->
            [0] {""}
           *[other] 另有 { $again } 个之前已经导入过，已跳过。
        }
    }

deal-column-title = 标题
deal-column-price = 价格
deal-column-original_price = 原价
deal-column-quantity = 数量
deal-column-valid_until = 截止日期
deal-column-valid_from = 开始日期
deal-column-per_user_limit = 每人限购
deal-column-description = 描述
deal-column-usage_rules = 使用规则
deal-column-category = 分类
deal-column-tags = 标签
deal-column-refund_policy = 退款规则
deal-column-stores = 门店
deal-column-row = 整行

deal-none = 你还没有团购。用 /newdeal 发布一个吧。
deal-list-title = 你的团购（{ $total } 个）：
deal-list-line = { $number }. { $status } { $title } · { $price } · 已售 { $sold } · 剩余 { $left } · 有效期至 { $until }
deal-status-draft = 📝
deal-status-active = 🟢
deal-status-paused = ⏸
deal-status-ended = ⏹
deal-status-hidden = 🚫
deal-list-suspended = ⛔ 你的商家已被平台暂停：标 🚫 的团购顾客看不到，也不能购买；恢复后会自动重新上架。已售出的券码仍可核销。
deal-page-suspended = ⛔ 你的商家已被平台暂停：这个团购顾客看不到，也不能购买，暂时也不能修改。请联系平台。
deal-page =
    【{ $title }】 { $status }
    团购价 { $price }（原价 { $original }）
    已售 { $sold } · 待支付 { $pending } · 剩余 { $left }
    券有效期至 { $until }
deal-pause = ⏸ 暂停
deal-resume = ▶️ 恢复
deal-end = ⏹ 结束
deal-end-confirm = 确定结束【{ $title }】吗？它会下架，已售出的券仍然有效。
deal-end-yes = 确定结束
deal-end-no = 不，保留
deal-pause-done = 已暂停：搜索里不再显示。已售出的券仍然有效。
deal-pause-already = 它现在不在售，无需暂停。
deal-resume-done = 已恢复售卖。
deal-resume-already = 它没有暂停。
deal-end-done = 已结束。已售出的券仍然有效。
deal-end-already = 它已经结束了。
deal-edit-ask = 新的{ $field }是？（现在：{ $current }）发送 /cancel 保持不变。
deal-edit-ask-again = 请重新输入新的{ $field }，或发送 /cancel。
deal-edit-saved = { $field }已保存。已下的订单保持原价。

## 拼团（issue 17）：/newdeal 的一步、一行格式的一段、/deals 里的一项、CSV 的三列

deal-ask-group = 要做拼团吗？一句话写清几人成团、每人的拼团价（低于团购价 { $price }）和多少小时内成团，例如「3人 39元 24小时」（{ $min_size } 到 { $max_size } 人，{ $min_hours } 到 { $max_hours } 小时，不写时限就是 24 小时）。不需要就点「跳过」。
deal-field-group = 拼团
deal-group-terms = { $size }人团 { $price } · { $hours }小时内成团
deal-group-none = 不拼团
deal-page-group = 拼团：{ $terms }
deal-edit-ask-group = 新的拼团设置？写人数、拼团价（低于 { $price }）和时限，例如「3人 39元 24小时」；写「-」关闭拼团。（现在：{ $current }）发送 /cancel 保持不变。
deal-edit-group-saved = 拼团已保存：{ $terms }。已经开的团照旧：人数不变，已付款的成员按原价，成团或到时全额退款。
deal-edit-group-cleared = 已关闭拼团：不再开新团，已开的团也不再接受新成员；已付款的成员到时未成团就全额退款。

deal-bad-group-use-digits = 请用数字写，例如「3人 39元 24小时」。
deal-bad-group-size-range = 成团人数要是 { $min } 到 { $max } 之间的整数。
deal-bad-group-price-not-below = 拼团价要低于团购价，不然没人需要拼团。
deal-bad-group-hours-range = 成团时限要是 { $min } 到 { $max } 小时之间的整数（1天 = 24小时，7天 = 168小时）。
deal-bad-group-window-past-deal = 团购剩下的时间不够一个团拼 { $hours } 小时：现在开的团最长只能给 { $latest } 小时。请把时限改到 { $latest } 小时以内，或延长团购的截止日期。
deal-bad-group-deal-ending = 这个团购剩下不到 1 小时，开不了 { $hours } 小时的团。请先延长截止日期。
deal-bad-group-unreadable = 看不懂「{ $text }」。请写人数、拼团价和时限，例如「3人 39元 24小时」；不拼团就写「-」。
deal-bad-group-size-missing = 还差成团人数，例如「3人 39元 24小时」。
deal-bad-group-price-missing = 还差拼团价，例如「3人 39元 24小时」。
deal-bad-group-twice = 拼团只能写一段。
deal-bad-price-not-above-group = 团购价要高于拼团价。请先修改或关闭拼团，再改团购价。
deal-bad-until-before-group-window = 每个团有 { $hours } 小时成团，这个截止日期留的时间不够。请选晚一点的日期，或先把拼团时限改短。

deal-column-group_size = 成团人数
deal-column-group_price = 拼团价
deal-column-group_hours = 成团时限
