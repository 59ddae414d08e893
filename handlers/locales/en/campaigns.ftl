## The owner's pushes to followers: /campaign (handlers/campaigns.py)

campaign-owner-only = Only the owner of an approved merchant can push to followers. Apply with /merchant.
campaign-suspended = Your merchant is suspended, so it can't push to followers right now. Please contact the platform.
campaign-not-approved = You can push to your followers once your merchant application is approved.

campaign-list-none = No campaigns yet. A campaign pushes one of your coupons or deals to your followers, once or every week.
campaign-list-title = Your campaigns ({ $count }):
campaign-list-line = #{ $number } { $offer } · { $audience } · { $schedule } · { $status } · runs: { $runs }
campaign-offer-gone = (offer removed)
campaign-status-scheduled = scheduled
campaign-status-done = done
campaign-status-cancelled = cancelled
campaign-status-missed = missed
campaign-new-button = ➕ New campaign
campaign-cancel-button = ✖ Cancel #{ $number }
campaign-cancel-ask = Cancel campaign #{ $number }? Pushes not sent yet will be dropped.
campaign-cancel-yes = Yes, cancel it
campaign-cancel-no = No, keep it
campaign-cancel-kept = Kept: nothing changed.
campaign-cancel-done = Campaign #{ $number } is cancelled; no more pushes will go out.
campaign-not-scheduled = Campaign #{ $number } is no longer scheduled, so there is nothing to cancel.

campaign-nothing-to-promote = There is nothing to promote yet: a campaign pushes an active coupon or a deal on sale. Make a coupon with /coupon new or post a deal with /newdeal, then come back to /campaign.
campaign-intro = Let's push an offer to your followers. I'll ask one thing at a time; /cancel stops at any point.
campaign-ask-offer = What do you want to promote?
campaign-offer-coupon = 🎟 { $title }
campaign-offer-deal = 🛒 { $title } · { $price }
campaign-untitled = Offer #{ $number }

campaign-ask-audience = Who should get it? Pushes only ever go to people who follow you.
campaign-audience-all = 👥 All followers
campaign-audience-nearby = 📍 Nearby followers
campaign-audience-interest = ❤️ Into { $category }
campaign-audience-lapsed = ⏳ Lapsed customers (no purchase in { $days ->
        [one] { $days } day
       *[other] { $days } days
    })
campaign-aud-all = all followers
campaign-aud-nearby = followers within { $distance } of a store
campaign-aud-interest = followers into { $category }
campaign-aud-lapsed = customers with no purchase in { $days ->
        [one] { $days } day
       *[other] { $days } days
    }

campaign-ask-radius = How close to one of your stores? Tap a distance, or type one such as 2km or 800m (100 m to { $max_km } km).

campaign-ask-when = When should it go out? Tap a choice, or type a time in your time zone, e.g. now, in 10 minutes, tomorrow 11:00, next Monday 10am, 2026-12-01 11:00, every Friday 11:00, every day 11:00.
campaign-when-now = ⚡ Now
campaign-when-10m = ⏱ In 10 minutes
campaign-when-tmr = 📅 Tomorrow 11:00
campaign-when-fri = 🔁 Every Friday 11:00
campaign-rule-weekly = every { $weekday } { $time }
campaign-rule-daily = every day { $time }
campaign-weekday-0 = Monday
campaign-weekday-1 = Tuesday
campaign-weekday-2 = Wednesday
campaign-weekday-3 = Thursday
campaign-weekday-4 = Friday
campaign-weekday-5 = Saturday
campaign-weekday-6 = Sunday

campaign-ask-window = How long may sending take? Each follower gets it at their usual active time inside this window, never in their quiet hours.
campaign-window-hours = { $hours } h
campaign-window-default = { $hours } h (recommended)
campaign-window-explain = Each follower gets it at their usual active time inside this window, never in their quiet hours.

campaign-preview-title = 📣 Campaign preview
campaign-preview-offer-coupon = Coupon: { $offer }
campaign-preview-offer-deal = Deal: { $offer }
campaign-preview-audience = Audience: { $audience } ({ $size ->
        [one] { $size } person
       *[other] { $size } people
    }, { $reachable } reachable now)
campaign-preview-first = Sends at: { $first }
campaign-preview-rule = Repeats { $rule }; first run { $first }
campaign-preview-window = Window: { $window }
campaign-warn-unreachable = { $count } of them paused pushes or blocked the bot; they won't get it.
campaign-warn-over_cap = On the busiest day your recurring campaigns would push { $count ->
        [one] { $count } time
       *[other] { $count } times
    }, but a follower gets at most { $cap ->
        [one] { $cap } push
       *[other] { $cap } pushes
    } a day: some will be skipped.
campaign-warn-over_user_caps = { $count ->
        [one] { $count } follower allows
       *[other] { $count } followers allow
    } fewer pushes a day than your campaigns add up to: some of them will be skipped.
campaign-warn-daily = A daily push is a lot: followers who feel spammed unfollow. Weekly usually works better.
campaign-confirm = ✅ Confirm
campaign-change = ✏️ Change
campaign-drop = ✖ Cancel
campaign-dropped = Cancelled: no campaign was scheduled.
campaign-scheduled-once = ✅ Campaign #{ $number } is scheduled for { $first }. You'll see live progress here and a final report.
campaign-scheduled-rule = ✅ Campaign #{ $number } is scheduled: { $rule }, first run { $first }. You'll see live progress here and a report after each run.
campaign-saved-timer-down-once = ✅ Campaign #{ $number } is saved, to go out at { $first }.
    ⚠️ But the timer that starts campaigns isn't answering right now. The campaign will start as soon as the timer service is back (the assistant checks for saved campaigns without a timer every half minute, and at every restart); if that is only after its sending window, you'll be told it was missed. It is listed in /campaign, where you can cancel it.
campaign-saved-timer-down-rule = ✅ Campaign #{ $number } is saved: { $rule }, first run { $first }.
    ⚠️ But the timer that starts campaigns isn't answering right now. The campaign will start as soon as the timer service is back (the assistant checks for saved campaigns without a timer every half minute, and at every restart); a run whose whole sending window passes before then is skipped. It is listed in /campaign, where you can cancel it.

campaign-bad-not_owner = Only the owner of an approved merchant can push to followers.
campaign-bad-offer = That offer isn't one of yours any more. Pick another.
campaign-bad-offer_gone = That offer is no longer available (ended, paused or sold out). Pick another.
campaign-bad-no_stores = Nearby needs a store to measure from: add one with /addstore, or choose another audience.
campaign-bad-empty_audience = None of your followers match this audience; try All followers.
campaign-bad-no_followers = Nobody follows your shop yet, so there is no one to push to. Put your QR poster (/poster) at the counter so customers can follow you.
campaign-bad-radius = That isn't a distance I can use: type between 100 m and { $max_km } km, such as 2km or 800m.
campaign-bad-window = The window can be 1, 3, 6 or 12 hours.
campaign-bad-audience = Pushes only go to your followers: there is no audience outside them.
campaign-bad-audience_unknown = Please pick one of the buttons: All followers, Nearby, Interest or Lapsed customers.
campaign-bad-past = That time has already passed.
campaign-bad-too_far = That is too far ahead: at most { $days ->
        [one] { $days } day
       *[other] { $days } days
    } from now.
campaign-bad-schedule = I couldn't read that time.
campaign-bad-no_time = Please say a time too, e.g. next Monday 10am or tomorrow 11:00.
campaign-bad-not_text = Please answer with text or the buttons.
campaign-bad-use_buttons = Please tap one of the buttons.
