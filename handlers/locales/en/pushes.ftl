push-coupon = 🎁 { $merchant } sends you a coupon: { $terms }
push-deal = 🔥 { $merchant }: { $title }, { $price } (was { $original })
push-why = You get this because you follow this store. Fewer pushes or another time? Tap "Push settings".
push-claim = Claim coupon
push-view = View deal
push-settings = Push settings
push-claimed = It's in your wallet and will be used at checkout automatically. See /coupons
push-already = This coupon is already in your wallet: /coupons
push-gone = Sorry, all of these coupons have been claimed.
push-limit = You already have as many of these coupons as one person may.
push-ended = This coupon is no longer handed out.
push-expired = This coupon has expired.
push-unknown = This coupon no longer exists.
campaign-progress = 📣 Push #{ $campaign } is going out (updated every few seconds)
campaign-report = ✅ Push #{ $campaign } is done. The results:
campaign-counts =
    Audience { $audience } · sent { $sent } · waiting { $waiting }
    Deferred (quiet hours / usual time) { $deferred } · blocked the bot { $blocked } · failed { $failed }
    Not sent (pushes paused, daily maximum reached, window closed, ...) { $dropped }
    Claimed { $claimed } · redeemed in store { $redeemed }
campaign-in-doubt = { $count } of them were being sent when the assistant restarted; whether they arrived is unknown, and they are not sent again.
campaign-coupon-gone = ⚠️ The coupon of push #{ $campaign } has run out; { $count ->
        [one] the push not sent yet is stopped
       *[other] the { $count } pushes not sent yet are stopped
    }. Add coupons in /coupon and push again.
campaign-missed = ⚠️ Push #{ $campaign } was not sent: its time ({ $when }) and its { $hours ->
        [one] 1-hour
       *[other] { $hours }-hour
    } window passed before the assistant could start it (it was probably down). It is now listed as missed in /campaign; make a new one there if you still want it.
