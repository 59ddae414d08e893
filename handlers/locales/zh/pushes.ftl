push-coupon = 🎁 { $merchant } 送你一张优惠券：{ $terms }
push-deal = 🔥 { $merchant }：{ $title }，{ $price }（原价 { $original }）
push-why = 你关注了这家店，所以收到这条消息。不想收到或想换个时间？点“推送设置”。
push-claim = 领取优惠券
push-view = 查看团购
push-settings = 推送设置
push-claimed = 已放进你的卡包，下单时会自动使用。查看：/coupons
push-already = 这张券已经在你的卡包里了：/coupons
push-gone = 来晚了，这张券已经被领完了。
push-limit = 你已经领过这张券了，每人限领的数量已满。
push-ended = 这张券已经停止发放了。
push-expired = 这张券已经过期了。
push-unknown = 这张券已经不存在了。
campaign-progress = 📣 推送 #{ $campaign } 进行中（每几秒更新一次）
campaign-report = ✅ 推送 #{ $campaign } 已完成，结果如下：
campaign-counts =
    受众 { $audience } 人 · 已发送 { $sent } · 等待发送 { $waiting }
    延后（免打扰 / 常用时段）{ $deferred } · 已拉黑机器人 { $blocked } · 发送失败 { $failed }
    未发送（暂停推送、已达每日上限、窗口结束等）{ $dropped }
    已领取 { $claimed } · 已到店使用 { $redeemed }
campaign-in-doubt = 其中 { $count } 条在重启时正在发送，无法确认是否送达，为避免重复不会再发。
campaign-coupon-gone = ⚠️ 推送 #{ $campaign } 的优惠券已经被领完，还没发出的 { $count } 条推送已停止。可以在 /coupon 里追加新券再推送。
campaign-missed = ⚠️ 推送 #{ $campaign } 没有发出：预定时间（{ $when }）和 { $hours } 小时的发送窗口都已过去，机器人没能及时启动它（可能是停机了）。它在 /campaign 里已标为「已错过」；需要的话请在那里新建一个。
