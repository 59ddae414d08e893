## Coupons: the wallet, claims, the merchant's /coupon, coupons at checkout.

## What a coupon gives
coupon-terms-amount-min = { $off } off { $min }+
coupon-terms-amount = { $off } off
coupon-terms-percent = { $percent }% off
coupon-terms-percent-min = { $percent }% off { $min }+
coupon-terms-cap = {" "}(up to { $cap })
coupon-terms-free = Free { $item }
coupon-terms-free-min = Free { $item } with { $min }+

## /coupons (the wallet)
coupons-title = 🎟 Your coupons ({ $count }); the best one is used automatically when you order:
coupons-line = • { $merchant }: { $terms } · valid until { $until }
coupons-held = (held by an unpaid order)
coupons-empty = Your wallet is empty. Follow a shop (scan its QR code, or tap Follow on a deal card): many give a welcome coupon. A shop's page also has coupons to claim.
coupons-shop-button = 🏪 { $merchant }

## Following and claiming
coupon-followed-shop = ✅ You now follow { $name }; you'll hear about new deals first.
coupon-welcome-given = 🎁 Welcome coupon "{ $terms }" is in your wallet, valid until { $until }: /coupons
coupon-storefront-title = 🎟 Coupons to claim:
coupon-storefront-line = • { $terms } · good for { $days ->
        [one] { $days } day
       *[other] { $days } days
    } after claiming{ $left }
coupon-storefront-left = {" "}({ $left } left)
coupon-claim-button = 🎟 Claim { $terms }
coupon-claimed = 🎟 Claimed "{ $terms }", valid until { $until }. It is used automatically when you order here: /coupons
coupon-claim-already = You already have this coupon, see /coupons.
coupon-claim-gone = Sorry, this coupon has all been claimed.
coupon-claim-limit = You have claimed as many of this coupon as one person may.
coupon-claim-ended = This coupon is no longer handed out.
coupon-claim-expired = The time to claim this coupon is over.

## The merchant's /coupon
coupon-list-title = 🎟 Your coupons ({ $count ->
        [one] { $count } kind
       *[other] { $count } kinds
    }):
coupon-list-line = { $number }. { $terms } · { $status } · claimed { $claimed }/{ $quantity } · used { $used } · good { $days ->
        [one] { $days } day
       *[other] { $days } days
    } · { $limit } per person{ $welcome }
coupon-list-welcome = {" "}· 🎁 welcome gift
coupon-list-none = No coupons yet. Make one: /coupon new 20 off 100 | 7 days | 100 | 1 per person, or just /coupon new to go step by step.
coupon-list-hint = New: /coupon new 20 off 100 | 7 days | 100 | 1 per person
coupon-status-active = handing out
coupon-status-paused = paused
coupon-status-ended = ended
coupon-status-exhausted = all claimed
coupon-unlimited = unlimited
coupon-action-pause = { $number } ⏸ Pause
coupon-action-resume = { $number } ▶ Resume
coupon-action-end = { $number } ⏹ End
coupon-action-welcome = { $number } 🎁 Make welcome gift
coupon-action-unwelcome = { $number } Stop welcome gift
coupon-pause-done = Paused: no more are handed out; coupons already claimed still work.
coupon-resume-done = Handing out again.
coupon-end-done = Ended: no more are handed out; coupons already claimed work until they expire.
coupon-welcome-done = This is now your welcome gift: everyone who follows you from now on gets one (once per person).
coupon-unwelcome-done = No longer the welcome gift.
coupon-action-already = That can't be done to this coupon now (its state has changed).
coupon-welcome-ended = An ended or fully claimed coupon can't be the welcome gift.

## /coupon new
coupon-new-intro = A new coupon, step by step. Send /cancel at any time to stop.
coupon-ask-terms = What does the coupon give? For example: 20 off 100, 20% off cap 30, free drink, 满100减20, 8折.
coupon-ask-days = How many days is it good for after it is claimed? (1 to { $max }, e.g. 7)
coupon-ask-quantity = How many coupons in all? (a number, or "unlimited")
coupon-ask-per-user = How many may one person claim?
coupon-days-button = { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
coupon-unlimited-button = Unlimited
coupon-preview =
    🎟 Coupon preview
    Gives: { $terms }
    Good for: { $days ->
        [one] { $days } day
       *[other] { $days } days
    } after claiming
    Quantity: { $quantity }
    Per person: { $limit }
coupon-create = ✅ Publish
coupon-cancel = Cancel
coupon-created = ✅ Published "{ $terms }". Shoppers can claim it on your shop's page; make it the welcome gift in /coupon and every new follower gets one.
coupon-created-already = This coupon was published already: /coupon
coupon-cancelled = Cancelled, nothing was published.
coupon-one-line-usage = Format: /coupon new 20 off 100 | 7 days | 100 | 1 per person
coupon-impact-title = On your deals:
coupon-impact-line = · { $title }{ $times }: { $before } → { $after }{ $mark }
coupon-impact-times = {" "}×{ $quantity }
coupon-impact-more = …and { $count } more
coupon-impact-cheapest = Lowest price with it: { $after } ({ $title })
coupon-impact-warning = ⚠️ { $count ->
        [one] 1 deal would go
       *[other] { $count } deals would go
    } below the floor ({ $percent }% of the price). Look closely: after Publish you'll be asked once more.
coupon-impact-no-deals = You have no deals on sale yet; when you post one, check how cheap this coupon makes it.
coupon-impact-free-item = The free item is given at the counter; deal prices stay as they are.
coupon-impact-none-applies = None of your deals reaches this coupon's minimum spend in one order, so it can't be used on them yet.
coupon-confirm = ⚠️ Please confirm once more: "{ $terms }" takes { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } below the floor ({ $percent }% of the price); the lowest price would be { $after } ({ $title }). Publish it anyway?
coupon-confirm-button = ⚠️ Yes, publish

## Why an answer was not taken
coupon-bad-empty = Nothing was typed.
coupon-bad-too-long = That is too long ({ $length ->
        [one] { $length } character
       *[other] { $length } characters
    }); keep it under { $max }.
coupon-bad-unreadable = I can't read that as a coupon. Try: 20 off 100, 20 off, 20% off cap 30, free drink, 满100减20, 8折.
coupon-bad-amount-zero = The amount off must be above 0.
coupon-bad-min-zero = A minimum of 0 means no minimum: write "20 off" instead.
coupon-bad-amount-too-big = That amount is too big (at most { $max }).
coupon-bad-amount-decimals = Amounts have at most { $digits ->
        [one] 1 decimal
       *[other] { $digits } decimals
    }.
coupon-bad-off-not-below-min = The amount off must be below the minimum spend, e.g. 20 off 100.
coupon-bad-worth-every-deal = "{ $terms }" is worth the whole price of every deal you sell (the dearest is { $title } at { $price }): shoppers would pay next to nothing, so it can't be published. Add a minimum spend (e.g. 20 off 100) or take less off.
coupon-bad-percent-range = The discount must be between 1% and 99% off.
coupon-bad-cap-zero = The cap must be above 0.
coupon-bad-cap-not-percent = A cap only goes with a percent-off coupon.
coupon-bad-item-bad = Say what is free, e.g. "free drink" (at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }).
coupon-bad-item-long = The free item's name has at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }.
coupon-bad-days-unreadable = Type a number of days, e.g. 7 or "7 days" (1 to { $max }).
coupon-bad-days-range = The number of days must be from 1 to { $max }.
coupon-bad-quantity-unreadable = Type how many, e.g. 100, or "unlimited" (at most { $max }).
coupon-bad-quantity-range = The quantity must be from 1 to { $max }.
coupon-bad-per-user-unreadable = Type how many one person may claim, e.g. 1 (at most { $max }).
coupon-bad-per-user-range = The per-person limit must be from 1 to { $max }.
coupon-bad-piece-unknown = I can't read "{ $piece }": after a | write the days (7 days), the quantity (100) or the per-person limit (1 per person).
coupon-bad-piece-twice = "{ $piece }" is given twice.
coupon-bad-not-text = Please answer in text.

## At checkout
order-coupon-applied = 🎟 Coupon "{ $terms }": -{ $saving }, you pay { $total }
order-coupon-free = 🎁 Coupon "{ $terms }": show it at the counter
order-coupon-change = 🎟 Change coupon
order-coupon-choose = Choose a coupon for this order ({ $subtotal }):
order-coupon-option = { $terms } (save { $saving })
order-coupon-option-current = ✅ { $terms }
order-coupon-none = No coupon
order-coupon-nothing = You have no other coupon of this shop that fits.
buy-coupon-unavailable = That coupon can't be used any more (it expired or another order holds it); the best other coupon is used instead.

coupon-owner-only = Only the owner of an approved merchant can hand out coupons. Apply with /merchant.
coupon-suspended = Your merchant is suspended, so it can't hand out or change coupons right now. Please contact the platform.
coupon-not-approved = You can hand out coupons once your merchant application is approved.
