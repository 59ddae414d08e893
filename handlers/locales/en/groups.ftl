# Group-buy (拼团: handlers/groups.py, and the group parts of deal cards, search and the
# order message). Keys match zh/groups.ftl one to one.

group-price = { $size }-person group { $price }
group-card-price = 👥 { $offer } · fills within { $hours } h or everyone gets their money back
group-card-open = Groups filling now:
group-line = { $number }. { $names } · { $progress }
group-join-button = 🤝 Join group { $number } ({ $missing } more needed)
group-open-button = 👥 Start a group · { $price }
group-left-days = { $days } d { $hours } h left
group-left-hours = { $hours } h { $minutes } min left
group-left-minutes = { $minutes } min left
group-progress = { $missing } more needed · { $left }
group-members = 👥 In so far: { $names }
group-members-none = nobody has paid yet
group-share-button = 📤 Invite friends to this group
group-share-text = Join me for “{ $title }”: once we're enough, we all get the group price!
group-no-such = I can't find that group (the link or button is incomplete). Here is the menu:
group-order-summary = 🧾 { $title }
    👥 { $size }-person group · group price { $price } · codes once the group fills
group-order-window = It fills with { $size } people; if it hasn't by { $until }, you get all your money back.
group-refused-group-full = That group's seats were just taken (someone is paying for the last one).
group-refused-group-closed = That group is over (it filled, or its time ran out).
group-refused-no-such-group = That group isn't one of this deal's.
group-open-own = There is no other group to join right now: start one and invite your friends:
group-already-member = You're in this group already: one seat per person. Send the link to friends; it fills when enough have paid:
    { $link }
mygroups-button = 👥 My group buys
group-not-group-deal = This deal isn't a group deal: you can buy it at its single price:
group-deal-ending = This deal ends too soon for a new group. You can buy it at its single price:
group-view-title = 👥 Group buy: “{ $title }”
group-view-single = single { $price }
group-view-deal = 📄 Deal details
group-view-yours = You're in this group. Send the link to friends; it fills when enough have paid:
    { $link }
group-view-filled = That group has filled.
group-join-this = 🤝 Join · { $price }
group-joined = ✅ You're in the group for “{ $title }” ({ $offer })
group-joined-share = Send this link to friends: { $size ->
        [one] once { $size } has paid, everyone gets their codes.
       *[other] once { $size } have paid, everyone gets their codes.
    }
    { $link }
group-joined-filled = 🎉 The group has filled: your codes are on their way.
group-joined-closed = This group is over: your money is going back to you.
group-filled = 🎉 Your group filled!
mygroups-none = You're not in any group buy yet. On a group deal, tap “Start a group” or “Join”, or just send “group buy” to see them.
mygroups-title = Your group buys ({ $count }):
mygroups-line = { $number }. “{ $title }” · { $offer }
mygroups-open = ⏳ Filling · { $progress }
mygroups-unpaid = 💳 Waiting for your payment · { $progress }
mygroups-filled = ✅ Filled: your codes are in /mycodes
mygroups-failed = ↩ Didn't fill: fully refunded
mygroups-left = ↩ You left: refunded
mygroups-link = 🔗 Invite link: { $link }
group-leave-button = ↩ Leave group { $number } & refund ({ $title })
group-leave-ask = Leave the group for “{ $title }”? The { $amount } you paid goes back the way it came, and your seat goes to someone else.
group-leave-yes = Leave and get { $amount } back
group-leave-no = Keep my seat
group-left-done = ↩ You left the group: { $amount } is back.
group-left-pending = ↩ You left the group: the refund of { $amount } is on its way.
group-leave-filled = That group has filled, so it's too late to leave. Your codes are in /mycodes; unused codes can be refunded under the deal's refund rules.
group-leave-nothing = That seat is no longer in a group (you left, it was refunded, or it isn't paid yet).
refund-why-group-failed = The group for “{ $title }” didn't fill before its time ran out.
refund-why-group-left = You left the group for “{ $title }”.
refund-why-group-closed = By the time your payment arrived, the group for “{ $title }” was over and there was no other group to join.
group-open-again = 👥 Start a new group
group-filter-on = 👥 Group buys only
group-filter-off = 👥 Show all
search-none-group = No group buys for “{ $query }”.
search-none-group-all = No group buys right now.
cmd-mygroups = My group buys
