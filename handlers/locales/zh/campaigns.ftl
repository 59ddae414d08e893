## 店主给粉丝推送：/campaign（handlers/campaigns.py）

campaign-owner-only = 只有通过审核的商家店主可以给粉丝推送。请先用 /merchant 申请入驻。
campaign-suspended = 你的商家已被暂停，暂时不能给粉丝推送。请联系平台。
campaign-not-approved = 入驻申请通过后才能给粉丝推送。

campaign-list-none = 还没有推送活动。推送活动会把你的优惠券或团购发给关注你的粉丝，可以发一次，也可以每周定时发。
campaign-list-title = 你的推送活动（{ $count } 个）：
campaign-list-line = #{ $number } { $offer } · { $audience } · { $schedule } · { $status } · 已发 { $runs } 轮
campaign-offer-gone = （优惠已删除）
campaign-status-scheduled = 待发送
campaign-status-done = 已完成
campaign-status-cancelled = 已取消
campaign-status-missed = 已错过
campaign-new-button = ➕ 新建推送
campaign-cancel-button = ✖ 取消 #{ $number }
campaign-cancel-ask = 确定取消推送 #{ $number } 吗？还没发出的推送都不会再发。
campaign-cancel-yes = 确定取消
campaign-cancel-no = 不取消
campaign-cancel-kept = 好的，保持不变。
campaign-cancel-done = 推送 #{ $number } 已取消，不会再发出。
campaign-not-scheduled = 推送 #{ $number } 已经不在待发送状态，无需取消。

campaign-nothing-to-promote = 现在还没有可以推送的内容：推送需要一张有效的优惠券或一个在售的团购。先用 /coupon new 创建优惠券，或用 /newdeal 发布团购，再来 /campaign。
campaign-intro = 我们来给粉丝推送一个优惠。我会一项一项地问；随时发送 /cancel 可以退出。
campaign-ask-offer = 要推送哪个优惠？
campaign-offer-coupon = 🎟 { $title }
campaign-offer-deal = 🛒 { $title } · { $price }
campaign-untitled = 优惠 #{ $number }

campaign-ask-audience = 推送给谁？推送只会发给关注你的粉丝。
campaign-audience-all = 👥 全部粉丝
campaign-audience-nearby = 📍 附近的粉丝
campaign-audience-interest = ❤️ 喜欢{ $category }的粉丝
campaign-audience-lapsed = ⏳ 流失老客（{ $days } 天没有消费）
campaign-aud-all = 全部粉丝
campaign-aud-nearby = 门店 { $distance } 内的粉丝
campaign-aud-interest = 喜欢{ $category }的粉丝
campaign-aud-lapsed = { $days } 天没有消费的老客

campaign-ask-radius = 离门店多近？点一个距离，或直接输入，例如 2公里、800米、2km（100 米到 { $max_km } 公里）。

campaign-ask-when = 什么时候发？点下面的选项，或按你的时区直接输入，例如：现在、10分钟后、明天 11:00、下周一早上10点、12月1日 11:00、每周五 11:00、每天 11:00。
campaign-when-now = ⚡ 现在
campaign-when-10m = ⏱ 10 分钟后
campaign-when-tmr = 📅 明天 11:00
campaign-when-fri = 🔁 每周五 11:00
campaign-rule-weekly = 每{ $weekday } { $time }
campaign-rule-daily = 每天 { $time }
campaign-weekday-0 = 周一
campaign-weekday-1 = 周二
campaign-weekday-2 = 周三
campaign-weekday-3 = 周四
campaign-weekday-4 = 周五
campaign-weekday-5 = 周六
campaign-weekday-6 = 周日

campaign-ask-window = 推送在多长时间内发完？每位粉丝会在这段时间里、自己平时最活跃的时候收到，绝不会在免打扰时段打扰。
campaign-window-hours = { $hours } 小时
campaign-window-default = { $hours } 小时（推荐）
campaign-window-explain = 每位粉丝会在这段时间里、自己平时最活跃的时候收到，绝不会在免打扰时段打扰。

campaign-preview-title = 📣 推送预览
campaign-preview-offer-coupon = 优惠券：{ $offer }
campaign-preview-offer-deal = 团购：{ $offer }
campaign-preview-audience = 推送对象：{ $audience }，共 { $size } 人，其中 { $reachable } 人现在能收到
campaign-preview-first = 发送时间：{ $first }
campaign-preview-rule = 重复：{ $rule }；第一次 { $first }
campaign-preview-window = 发送时长：{ $window }
campaign-warn-unreachable = 其中 { $count } 人暂停了推送或屏蔽了机器人，收不到这次推送。
campaign-warn-over_cap = 你的定时推送在最多的那天会发 { $count } 次，但每位粉丝每天最多收到 { $cap } 条推送，部分推送会被跳过。
campaign-warn-over_user_caps = 有 { $count } 位粉丝设置的每日推送上限低于你的推送次数，部分推送会被跳过。
campaign-warn-daily = 每天推送比较频繁，粉丝觉得被打扰可能会取消关注；每周一次通常效果更好。
campaign-confirm = ✅ 确认
campaign-change = ✏️ 修改
campaign-drop = ✖ 取消
campaign-dropped = 已取消，没有创建推送。
campaign-scheduled-once = ✅ 推送 #{ $number } 已安排好，将在 { $first } 发送。发送进度会实时显示在这里，发完后会给你一份报告。
campaign-scheduled-rule = ✅ 推送 #{ $number } 已安排好：{ $rule }，第一次 { $first }。发送进度会实时显示在这里，每轮发完后会给你一份报告。
campaign-saved-timer-down-once = ✅ 推送 #{ $number } 已保存，定于 { $first } 发送。
    ⚠️ 不过负责按时启动推送的定时服务暂时没有响应。定时服务一恢复（助手每半分钟、以及每次重启时，都会为缺少定时的已保存推送补上定时），这个推送就会开始；如果恢复时已经过了发送时长，会通知你这次错过了。可以在 /campaign 里查看或取消。
campaign-saved-timer-down-rule = ✅ 推送 #{ $number } 已保存：{ $rule }，第一次 { $first }。
    ⚠️ 不过负责按时启动推送的定时服务暂时没有响应。定时服务一恢复（助手每半分钟、以及每次重启时，都会为缺少定时的已保存推送补上定时），这个推送就会开始；恢复之前整个发送时长都已过去的那几轮会跳过。可以在 /campaign 里查看或取消。

campaign-bad-not_owner = 只有通过审核的商家店主可以给粉丝推送。
campaign-bad-offer = 这个优惠已经不是你的了，请换一个。
campaign-bad-offer_gone = 这个优惠已经不可用（已结束、已暂停或已领完/售罄），请换一个。
campaign-bad-no_stores = 「附近」需要按门店位置计算：请先用 /addstore 添加门店，或换一个推送对象。
campaign-bad-empty_audience = 你的粉丝里没有符合这个条件的人，试试「全部粉丝」。
campaign-bad-no_followers = 还没有人关注你的店铺，暂时没有可以推送的人。把店铺二维码海报（/poster）放在收银台，让顾客扫码关注吧。
campaign-bad-radius = 这个距离用不了：请输入 100 米到 { $max_km } 公里之间的距离，例如 2公里 或 800米。
campaign-bad-window = 发送时长可以是 1、3、6 或 12 小时。
campaign-bad-audience = 推送只会发给关注你的粉丝，不能发给其他人。
campaign-bad-audience_unknown = 请点一个按钮：全部粉丝、附近的粉丝、感兴趣的粉丝或流失老客。
campaign-bad-past = 这个时间已经过去了。
campaign-bad-too_far = 时间太远了：最多只能安排在 { $days } 天之内。
campaign-bad-schedule = 没看懂这个时间。
campaign-bad-no_time = 请同时说一个时间，例如「下周一早上10点」或「明天 11:00」。
campaign-bad-not_text = 请用文字或按钮回答。
campaign-bad-use_buttons = 请点一个按钮。
