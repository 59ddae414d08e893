## The owner's seating (/seating) and the staff's day (/daybook, /bookings today)

seating-no-stores = You have no stores yet. Add one with /addstore, then set its tables here with /seating.
seating-overview-title = 🪑 Table bookings at { $merchant }:
seating-overview-line = • { $name }: { $summary }
seating-overview-off = not taking bookings
seating-overview-stopped = bookings stopped (tables kept)
seating-overview-no-hours = no opening hours yet, so no bookings
seating-choose-store = Which store's seating do you want to set?
seating-choose-with-buttons = Please choose the store with the buttons above (or /cancel).
seating-store-button = 🪑 { $name }
seating-cancel-button = Cancel
seating-stop-button = ⏸ Stop taking bookings
seating-needs-hours = "{ $name }" has no opening hours yet, and tables are only booked while a store is open. Set them first: /stores → ✏️ Edit → 🕒 Opening hours, then /seating again.
seating-current = "{ $name }" takes bookings now:
seating-ask = Which tables does "{ $name }" have? One line is enough, for example:
    2x6 4x4 8x1   (six 2-seat tables, four 4-seat, one 8-seat)
    The rest takes the usual settings: a start every 30 min, a sitting of 90 min, bookable 14 days ahead, last seating 60 min before closing, no deposit.
    To change any of them, add to the line: slot 15 · stay 120 · ahead 30 · last 45 · closed mon · deposit 50 · cancel 2h · timezone Asia/Tokyo
seating-ask-again = Send the new tables and/or settings in one line (what you leave out stays as it is), for example:
    2x6 4x4 8x1 · stay 120 · deposit 50 · cancel 2h · closed mon · closed none · no deposit
seating-cancelled = OK, nothing was changed.
seating-not-yours = That store isn't one of yours, so its seating can't be set here.
seating-saved = ✅ Seating saved for "{ $name }": shoppers can book a table from now on.
seating-stopped = ⏸ "{ $name }" takes no new bookings now. Bookings already made stay, and the tables are kept: send /seating with the tables to take bookings again.
seating-already-stopped = "{ $name }" isn't taking bookings already.
seating-no-starts = ⚠️ With these opening hours and the last seating { $last } min before closing, no start time is offered in the coming week. Check the hours (/stores) or ask for a shorter last seating ("last 30").
seating-list-sep = {", "}
seating-table = { $count ->
        [one] one { $seats }-seat table
       *[other] { $count } × { $seats }-seat tables
    }
seating-summary-none = not taking bookings
seating-summary-tables = 🪑 { $tables } ({ $total ->
        [one] { $total } table
       *[other] { $total } tables
    }, { $seats ->
        [one] { $seats } seat
       *[other] { $seats } seats
    })
seating-summary-times = ⏱ A start every { $slot } min; a sitting lasts { $stay } min
seating-summary-ahead = 📅 Bookable up to { $ahead ->
        [one] { $ahead } day
       *[other] { $ahead } days
    } ahead; last seating { $last } min before closing
seating-summary-closed = 🚪 Closed on { $days }
seating-summary-open-daily = 🚪 Open every day
seating-summary-deposit = 💰 Deposit { $amount } a booking, given back on a cancellation up to { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    } before; kept on a no-show
seating-summary-no-deposit = 💰 No deposit
seating-summary-timezone = 🕒 Hours { $hours } ({ $zone })
seating-day-0 = Monday
seating-day-1 = Tuesday
seating-day-2 = Wednesday
seating-day-3 = Thursday
seating-day-4 = Friday
seating-day-5 = Saturday
seating-day-6 = Sunday

seating-bad-empty = Please type the tables in one line, like "2x6 4x4".
seating-bad-too-long = That's too long (the limit in characters: { $max }).
seating-bad-unknown = I didn't understand "{ $word }".
seating-bad-twice = "{ $word }" says something already said; say each setting once.
seating-bad-twice-seats = The { $seats }-seat tables are named twice; give each size once, with how many.
seating-bad-seats = A table seats { $min } to { $max } people.
seating-bad-tables = Tables of one size: from { $min } up to { $max }.
seating-bad-kinds = Table sizes per store: { $max } at most.
seating-bad-slot = Minutes between starts: { $choices }.
seating-bad-stay = A sitting lasts from { $min } up to { $max } min, in steps of { $step }.
seating-bad-ahead = Days ahead that bookings open: from { $min } up to { $max }.
seating-bad-last = The last seating is from { $min } up to { $max } min before closing.
seating-bad-deposit = A deposit is at most ¥{ $max } ("deposit 0" or "no deposit" for none).
seating-bad-deposit-decimals = Decimals in a deposit: { $digits } at most.
seating-bad-cancel = The cancellation deadline, in hours before the booking: from { $min } up to { $max }.
seating-bad-timezone = "{ $name }" isn't a timezone I know; write it like Asia/Shanghai or America/New_York.
seating-bad-closed-all = A store closed every day can't take bookings; to stop them, press "Stop taking bookings".
seating-bad-no-tables = First say which tables the store has, like "2x6 4x4".

staffday-not-staff = Only a merchant's staff can see its bookings.
staffday-no-seating = None of your stores takes bookings yet; the owner sets the tables with /seating.
staffday-help = Which day? /daybook today, /daybook tomorrow, /daybook 2026-12-24, or a booking's code (/daybook ABCD2345).
staffday-no-code = No booking with the code { $code } at your stores.
staffday-found = Booking at { $name } on { $date }:
staffday-open-day = 📅 That day's bookings
staffday-not-yours = That booking or store isn't one of yours.
staffday-title = 📅 { $name } · { $date } ({ $weekday })
staffday-totals = { $booked ->
        [one] { $booked } booking
       *[other] { $booked } bookings
    }, { $covers ->
        [one] { $covers } person
       *[other] { $covers } people
    }; arrived: { $arrived }
staffday-totals-no-shows = no-shows: { $count }
staffday-totals-walk-ins = walk-ins: { $count } ({ $covers ->
        [one] { $covers } person
       *[other] { $covers } people
    })
staffday-none = No bookings.
staffday-line = { $time } · { $party ->
        [one] { $party } person
       *[other] { $party } people
    } · { $name } · { $status } · { $code }
staffday-late = ⏳ { $minutes } min late
staffday-page = Page { $page } of { $pages }
staffday-no-name = (no name)
staffday-walk-in-name = walk-in
staffday-status-held = ⌛ awaiting deposit
staffday-status-confirmed = 🟢 confirmed
staffday-status-arrived = ✅ arrived
staffday-status-no_show = 🚫 no-show
staffday-status-completed = ☑️ done
staffday-status-cancelled = ✖️ cancelled
staffday-status-expired = ✖️ expired
staffday-weekday-0 = Mon
staffday-weekday-1 = Tue
staffday-weekday-2 = Wed
staffday-weekday-3 = Thu
staffday-weekday-4 = Fri
staffday-weekday-5 = Sat
staffday-weekday-6 = Sun
staffday-arrived-button = ✅ { $time } { $name }
staffday-no-show-button = 🚫 No-show { $time }
staffday-earlier = ◀ Earlier
staffday-later = Later ▶
staffday-day-before = ◀ Day before
staffday-day-after = Day after ▶
staffday-refresh = 🔄
staffday-marked-arrived = ✅ { $name } marked arrived.
staffday-marked-no_show = 🚫 { $name } marked no-show; the table is free again.
staffday-unchanged = { $name } is already { $status }.
staffday-too-early-arrived = Too early: { $name } can be marked arrived from { $time }.
staffday-too-early-no_show = Too early: { $name } can be marked a no-show from { $time } (15 minutes after the booked time).
staffday-walk-in-button = 🚶 Walk-in
staffday-walk-in-ask = A walk-in at { $name }: how many people? (press, or type a number up to { $largest })
staffday-walk-in-ask-number = Please press the party size or type it as a number (or /cancel).
staffday-walk-in-stale = That walk-in was already entered (or the question expired): press 🚶 Walk-in again for another.
staffday-walk-in-no-tables = "{ $name }" has no tables set, so walk-ins can't be entered.
staffday-walk-in-done = 🚶 Walk-in seated: a party of { $party } at a { $seats }-seat table until { $until }.
staffday-walk-in-full = No free table for { $party } right now.
staffday-walk-in-party_too_big = No table seats { $party }; the largest seats { $largest }.
staffday-walk-in-bad_party = A party is 1 to 99 people.
staffday-walk-in-no_seating = This store takes no bookings, so walk-ins can't be entered.
