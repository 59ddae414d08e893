# English interface text. Keys match zh/main.ftl one to one (a test checks).

friend = friend
start-greeting =
    Hi { $name }! 👋 I'm your local deals assistant.
    Tell me what you fancy (say "hotpot", "milk tea" or "KTV") and I'll find group-buy deals near you. Pay online, show your code at the counter.
link-invalid = That link has expired or is incomplete, so here is the main menu.
storefront-deals = Deals on sale ({ $count }):
storefront-stores = 🏬 Our stores:
storefront-no-deals = No deals on sale right now. Follow to hear about new ones first.
inline-open = 🔍 Open in the assistant
menu-title = Main menu:
menu-nearby = 📍 Deals nearby
menu-search = 🔍 Search
menu-codes = 🎫 My codes
menu-following = ⭐ Following
menu-settings = ⚙️ Settings
menu-help = ❓ Help
help-text =
    Here's what I can do:
    • Type what you're after: "hotpot", "milk tea", "火锅"
    • 📍 Share your location to see deals nearby
    • Tap Buy on a deal: after paying, your codes arrive right here
    • /mycodes shows your codes, their QR again, and refunds
    • Group buys: “Start a group” or “Join” on a group deal; once enough have paid, all get the group price. /mygroups shows how yours are doing, their invite links, and Leave & refund
    • Book a table: "table for 2 tomorrow 7pm" or 📅 Book on a restaurant; /bookings to change or cancel (staff: /bookings today to see the day and mark arrivals)
    • /redeem CODE: store staff redeem a code (or scan its QR with Telegram)
    • /merchant: apply to sell here; /addstore, /stores: add and edit your stores; /staff: invite and manage staff
    • /seating: take table bookings at your stores (tables, slots, deposit); /daybook: the day's bookings, arrivals, walk-ins
    • /newdeal: post a deal (or on one line: /newdeal title | price | original | quantity | last day, and for a group deal | group 3 people ¥69 24h); /import: many from a CSV; /deals: manage them
    • /stats: your numbers and a chart; /export: orders as CSV (/export statement: the monthly statement); /poster: your storefront QR poster
    • /payouts: your money (payable, pending, paid out); /commission: set referral commissions
    • /team: your team and invitation link; /earnings: your referral commissions; /withdraw AMOUNT: withdraw
    • /campaign: push a coupon or deal to your followers (pick who, when, or every week)
    • /following lists the stores you follow
    • /settings: pushes (pause, daily maximum, quiet hours), timezone, language
    • /coupons: your coupon wallet; /coupon: merchants manage coupons (amount off, percent off, free item, welcome gift)
    • /cancel leaves whatever you're doing
search-prompt = What are you looking for? Type a word (like "hotpot" or "milk tea") or pick a category:
search-empty = Type what you're looking for, for example "hotpot" or "milk tea".
nearby-prompt = Tap the button below to share your location and I'll find deals nearby.
share-location = 📍 Share my location
nearby-not-by-distance = These results are not by distance yet: I don't know where you are. Tap "📍 Share my location" below and I'll search again by distance.
location-saved = Got your location (kept to about 100 m).
forget-done = Your location history is deleted. Searches won't use distance until you share a location again.
forget-nothing = We had no location of yours stored.
location-invalid = That location doesn't look right (latitude must be -90 to 90, longitude -180 to 180). Please send it again.
codes-none = You have no codes yet. Find a deal and grab one!
codes-title = Your codes ({ $count }):
codes-line = { $code } · { $title } · { $status } · valid until { $until }
code-status-issued = unused
code-status-redeemed = used
code-status-void = refunded
code-status-expired = expired
following-none = You don't follow any stores yet. Tap "Follow" on a deal card.
following-title = Stores you follow ({ $count }):
unfollow-button = Unfollow { $name }
follow-button = ⭐ Follow { $name }
share-button = 📤 Share
share-text = Share "{ $title }" with friends:
    { $link }
share-forward = 📤 Forward to a friend
follow-done = Following! You'll hear about their new deals first.
follow-already = You already follow this store.
unfollow-done = Unfollowed.
unfollow-not = You weren't following this store.
    Language: { $language }
    Choose a language:
language-auto = Same as Telegram
language-zh = 中文
language-en = English
language-set = Done, I'll speak English.
cancel-done = Cancelled.
cancel-nothing = There was nothing to cancel.
flow-cancel-hint = (Send /cancel to leave this.)
flow-draft-kept = 📝 Your { $draft } is kept: reply to its last question to go on, or send /cancel to drop it.
flow-draft-dropped = Your unfinished { $draft } was dropped.
flow-draft-newdeal = deal draft
flow-draft-coupon = coupon draft
flow-draft-campaign = campaign draft
flow-draft-merchant = merchant application
flow-draft-store = store draft
unknown-command = Sorry, I don't know that command. Just type what you're looking for, or use the menu:
unsupported-message = I can't read { $kind } yet. Please send me text, a command or a location.
kind-sticker = stickers
kind-voice = voice messages
kind-audio = audio
kind-video = videos
kind-video_note = video messages
kind-photo = photos
kind-document = files
kind-contact = contacts
kind-poll = polls
kind-animation = GIFs
kind-dice = dice
kind-game = games
kind-other = that kind of message
text-too-long = That message is too long (over 4096 characters). Could you say it more briefly?
button-stale = That button has expired. Please search again.
deal-gone = Sorry, that deal is no longer available.
error-generic = Sorry, something went wrong on our side. Please try again in a moment; nothing of yours was lost.
search-none = Nothing found for "{ $query }". Try another word, or browse a category:
search-none-kind = No "{ $query }" deals nearby yet: no shop of this kind sells here so far. These have deals:
search-found = { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } for "{ $query }" (page { $page } of { $pages }):
search-found-all = { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } (page { $page } of { $pages }):
result-line = { $number }. { $title } — { $merchant }
    { $price } (was { $original }, { $discount })
result-distance = 📍 { $distance } away
search-found-near = { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } for "{ $query }" within { $radius } (page { $page } of { $pages }):
search-found-near-all = { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } within { $radius } (page { $page } of { $pages }):
search-none-near = No "{ $query }" deals within { $radius }. Look farther, or try a category:
search-none-near-all = No deals within { $radius }. Look farther, or try a category:
search-found-place = { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } for "{ $query }" within { $radius } (page { $page } of { $pages }):
search-found-place-all = { $count ->
        [one] 1 deal
       *[other] { $count } deals
    } within { $radius } (page { $page } of { $pages }):
radius-of-place = { $radius } of { $place }
near-usage = Tell me where you are, e.g. /near Wanda or /near Luoxing Pagoda
place-unknown = I don't know "{ $name }" yet. Share your location, or try another place name (a mall, landmark or metro station).
place-did-you-mean = I don't know "{ $name }". Did you mean:

use-last-location = 📍 Use my last location ({ $hours } h ago)
search-wider = 🔭 Show farther
ranking-reason = ✨ Because you often choose { $category }, those come first
sort-nearest = Nearest
sort-cheapest = Cheapest
sort-biggest-discount = Best discount
sort-best-rated = Top rated
sort-popular = Popular
open-now-on = 🕒 Open now only
open-now-off = 🕒 Show all (closed too)
search-none-open = No "{ $query }" deals at a store that is open right now.
search-none-open-all = No deals at a store that is open right now.
store-open = open now
store-closed = closed now
search-nearby-categories = Nearby there are deals in these categories:
page-prev = ◀ Previous
page-next = Next ▶
back-to-results = ↩ Back to results
discount-percent-off = { $percent }% off
card-merchant-rated = { $merchant } · ⭐ { $rating }
card-price = 💰 { $price }  was { $original }  { $discount }
card-validity = 📅 Valid { $start } to { $end }
card-not-yet-valid = ⏳ Usable from { $start }
card-stock-left = 📦 { $left } left · { $sold } sold
card-stock-unlimited = 📦 Unlimited · { $sold } sold
card-per-user-limit = 👤 Up to { $limit } per person
refund-anytime = ↩ Refund anytime, auto-refund on expiry
refund-on-expiry = ↩ Auto-refund if unused by expiry
refund-none = ⚠ Non-refundable
card-rules = 📋 Rules: { $rules }
card-stores = 🏬 Valid at:
card-store-line = • { $name } | { $address } (open { $hours })
card-not-on-sale = ⛔ This deal can't be bought right now (sold out, expired or paused).
cmd-start = Start / main menu
cmd-help = Help
cmd-search = Search deals
cmd-mycodes = My codes
cmd-following = Stores I follow
cmd-settings = Pushes, timezone and language
cmd-forget = Delete my location history
cmd-cancel = Leave the current step
cmd-redeem = Redeem a code (store staff)

## Understanding free text (handlers/understand.py)
nlu-clarify = Just to be sure: what would you like to do with “{ $text }”?
nlu-choice-search_deals = 🔍 Find deals
nlu-choice-show_deal = 🏪 See a store's deals
nlu-choice-book_table = 📅 Book a table
nlu-choice-buy = 🛒 Buy
nlu-choice-my_codes = 🎟 My codes
nlu-choice-follow = ⭐ Follow the store
nlu-choice-my_follows = ⭐ Stores I follow
nlu-choice-unfollow = Unfollow the store
nlu-choice-set_location = 📍 Set my location
nlu-choice-settings = ⚙️ Settings
nlu-choice-help = ❓ Help
nlu-choice-cancel = ✖️ Cancel
nlu-choice-refund = ↩️ Refund
nlu-refund-how = Refunds are made from your codes: unused codes can be refunded as each deal's refund policy says. Here are your codes:
nlu-buy-how = To buy, open a deal and tap its Buy button. Here is what I found:
nlu-greeting = Hello! Tell me what you feel like, e.g. “hotpot near me under 100”, or pick below.
nlu-thanks = You're welcome! Enjoy 😊
nlu-bye = Bye! Come back when you're hungry 👋
nlu-unknown = Sorry, I didn't get that. I can find deals near you; try “milk tea nearby” or pick a category:
nlu-follow-which = Which store? Open a store's deals and tap Follow, or type e.g. “follow Haidilao”.
nlu-merchant-unknown = I don't know a store called “{ $name }” yet.
nlu-radius-capped = That's farther than “near” can mean here, so I searched within { $km } km.

## The counter poster (o2o poster, bot/commands/poster.py)
poster-tagline = Scan to follow us and see our deals
poster-stores = Our stores

## Buying
buy-button = 🛒 Buy · { $price }
buy-how-many = How many of "{ $title }"? (up to { $most })
buy-how-many-type = You can also type how many, e.g. "8".
buy-quantity-range = Please choose from 1 to { $most }.
buy-quantity-over-limit = { $bought ->
        [0] This deal is limited to { $limit } per person.
        [one] This deal is limited to { $limit } per person and one is already yours or reserved for you, so you can buy at most { $most } more.
       *[other] This deal is limited to { $limit } per person and { $bought } are already yours or reserved for you, so you can buy at most { $most } more.
    }
buy-quantity-too-many = One order can have at most { $most }.
buy-deal-gone = Sorry, this deal can't be bought any more.
buy-sold-out = Sorry, it's sold out.
buy-not-enough = Only { $most } left. Please choose fewer.
buy-limit-reached = You've reached this deal's limit of { $limit } per person.
buy-held-again = You have an unpaid order of this deal; here it is again.
buy-bad-quantity = Please choose how many with the buttons.
invoice-description = { $title }: a voucher to use in store
invoice-label = { $quantity } × voucher
pay-unavailable = Payment isn't available right now, so nothing was charged and your order was released. Please try again in a few minutes.
order-summary = 🧾 { $title }
    { $quantity } × { $unit } = { $total }
order-hold = Reserved for you until { $until }; pay before then.
pay-sandbox-note = 🧪 Sandbox payment: a test page, no real money moves.
pay-button = 💳 Pay { $total }
order-cancel = Cancel order
order-cancelled = Order cancelled; nothing was charged.
order-hold-expired = ⌛ Your reservation of "{ $title }" ({ $quantity } for { $total }) ran out, so the order was closed and nothing was charged.
    You can buy it again if you still want it.
order-buy-again = 🛒 Buy again
order-not-pending = That order can't be cancelled any more (it's paid, expired or already cancelled).
precheck-unknown-order = This order doesn't exist. Please start again from the deal.
precheck-paid-already = This order is already paid. Your codes are in /mycodes.
precheck-order-closed = This order is closed. Please buy again from the deal.
precheck-order-expired = The reservation ran out. Please buy again from the deal.
precheck-amount-changed = The price changed. Please buy again from the deal.
payment-unknown = We received a payment we can't match to an order. Our team has been told and will refund it.
payment-refunded = Your payment of { $amount } has been refunded.
payment-refund-pending = Your payment of { $amount } will be refunded; it's on its way.
refund-why-late-payment = The reservation ran out before the payment arrived and the deal sold out meanwhile.
refund-why-double-payment = This order had already been paid.
refund-why-amount-changed = The amount paid didn't match the order.
refund-why-order-closed = The order had been closed before the payment arrived.
paid-header = ✅ Paid { $total }. { $count ->
        [one] Here is your code
       *[other] Here are your { $count } codes
    } for "{ $title }":
code-caption = 🎫 { $code }
    { $title }
    Valid { $start } to { $end }. Show this QR (or the code) at the counter.
paid-more-codes = { $count ->
        [one] { $count } more code
       *[other] { $count } more codes
    } (their QR codes are in /mycodes):
paid-footer = Show a code at the store to use it. /mycodes lists all your codes.

## Codes and refunds
codes-show-hint = Tap a code to show its QR again.
refund-button = ↩ Refund
refund-offer-one =
    Refund code { $code } ("{ $title }"): { $amount } back.
    The code stops working at once and the money goes back the way you paid.
refund-offer-choice =
    Code { $code } ("{ $title }"): refund just this one for { $amount },
    or { $count ->
        [one] the one unused code
       *[other] all { $count } unused codes
    } of this order ({ $codes }) for { $all }.
    Refunded codes stop working at once and the money goes back the way you paid; the others stay usable.
refund-yes = Refund { $amount }
refund-this = ↩ Just this code · { $amount }
refund-all = ↩ All { $count } unused · { $amount }
refund-no = No, keep it
refund-changed = This order's codes just changed (one was used or refunded), so nothing was refunded. Here is how it stands now:
refund-nothing = There's nothing left to refund on that order.
refund-policy-none = This deal is non-refundable.
refund-policy-on-expiry = This deal can't be refunded on request; unused codes are refunded automatically when they expire.
refund-redeemed = Used codes can't be refunded.
refund-done = ↩ Refunded { $amount } for { $count ->
        [one] 1 code
       *[other] { $count } codes
    }: { $codes }.
refund-pending = ↩ Refunded { $count ->
        [one] 1 code
       *[other] { $count } codes
    } ({ $codes }); the { $amount } is on its way back.
rate-ask = How was your visit?
rate-rated = Thanks for rating { $stars }!
rate-already = You've already rated this visit. Thanks!
rate-invalid = That rating can't be given.

## Redeeming (staff)
redeem-not-staff = Only a store's staff can redeem codes. If this is your code, just show it at the counter.
redeem-ask = Type the code to redeem (e.g. 7QH4-K2MX-9TDA), or scan its QR with Telegram.
redeem-scanned-by-shopper = This QR is a redemption code: show it at the store's counter, where staff scan it.
redeem-code-line = 🎫 { $code } · { $title }
    Customer: { $shopper } · valid { $start } to { $end }
redeem-check-ok = ✅ Valid code. Confirm to redeem:
redeem-free-item = 🎁 Free item with this order: { $item } ×1 — please hand it over too.
redeem-confirm-at = Redeem at { $store }
redeem-locked = 🔒 Too many wrong codes. Redeeming is locked until { $until }.
redeem-typo = "{ $code }" looks mistyped (its check letter doesn't match). Please check each character.
redeem-unknown = No such code for your stores.
redeem-unreadable = Please type the code, e.g. 7QH4-K2MX-9TDA.
redeem-not-a-code = That isn't a code: codes are 12 letters and digits, e.g. 7QH4-K2MX-9TDA.
redeem-wrong-store = This code can't be redeemed at your store.
redeem-redeemed = ⚠ This code has already been used.
redeem-redeemed-at = Used at { $at }.
redeem-void = ⚠ This code was refunded and can't be used.
redeem-expired = ⚠ This code has expired.
redeem-not-yet = ⚠ This code isn't valid yet.
redeem-taken = ⚠ This code was redeemed by someone else just now.
redeem-stale = That confirmation has expired. Please check the code again.
redeem-done = ✅ Redeemed.
redeem-undo = ↩ Undo (mis-scan)
redeem-shopper-told = ✅ Your code { $code } for "{ $title }" was used at { $store }. Enjoy!
redeem-shopper-undone = ↩ The store undid the redemption of your code { $code } ("{ $title }"): it was a mis-scan, and the code can be used again.
redeem-undone = ↩ Redemption undone; the code can be used again.
redeem-too-late = A redemption can only be undone within 10 minutes.
refund-why-expired = Your unused code expired, so its money came back automatically.

## The sandbox payment page
web-pay-title = O2O payment
web-pay-sandbox = SANDBOX: a test payment page. No real money moves.
web-pay-unknown = This payment link is not valid.
web-pay-paid = This order is already paid. Your codes are in the chat.
web-pay-closed = This order is closed (cancelled or its reservation ran out). Please buy again in the chat.
web-pay-cancelled = This order was cancelled, so nothing was charged. Buy again in the chat if you still want it.
web-pay-expired = This order's reservation ran out, so it was closed and nothing was charged. Buy again in the chat if you still want it.
web-pay-done = Paid. Your codes are waiting for you in the chat.
web-pay-refunded = This order could not take the payment, so it is being refunded. See the chat.
web-pay-back-done = Thank you! Your codes are on their way to the chat.
web-pay-back-cancelled = Payment cancelled. Nothing was charged; you can pay again from the chat before the reservation runs out.

## Staff (merchant owners)
staff-owner-only = Only a merchant's owner manages its staff.
staff-title = Staff of { $merchant } ({ $count }):
staff-line = • { $name } · { $role } · since { $since }
staff-role-owner = owner
staff-role-staff = staff (redeems codes)
staff-remove = Remove { $name }
staff-invite-button = ➕ Invite staff
staff-invite-link = Send this link to the person who should redeem codes at your stores. It works once, within { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    }:
    { $link }
staff-removed = Removed. They can no longer redeem your codes.
staff-not-removed = That person isn't on your staff (or is the owner).
staff-join-joined = ✅ You're now staff of { $merchant }: you can redeem its codes with /redeem or by scanning them.
staff-join-already = You're already part of { $merchant }.
staff-join-used = This invite link has already been used. Ask the owner for a new one.
staff-join-expired = This invite link has expired. Ask the owner for a new one.
staff-join-unknown = This invite link isn't valid.

## Becoming a merchant
merchant-intro = 🏪 Sell on O2O: tell me about your business in four short steps. An admin reviews it, usually within a day. /cancel stops at any time.
merchant-ask-name = 1/4 · Your business name (2 to 60 characters)?
merchant-bad-name = That name doesn't work: use 2 to 60 characters, with some letters or characters in it.
merchant-ask-category = 2/4 · What do you sell? Pick a category:
merchant-ask-phone = 3/4 · A contact phone number for customers and for us?
merchant-bad-phone = That doesn't look like a phone number (digits, spaces, dashes, an optional + in front).
merchant-ask-description = 4/4 · Describe your business in a sentence or two (up to 300 characters), or send "-" to skip.
merchant-bad-description = That's too long: 300 characters at most.
merchant-ask-confirm = Please submit or cancel with the buttons.
merchant-summary = Your application:
    🏪 { $name }
    { $category }
    📞 { $phone }
    { $description }
merchant-submit = ✅ Submit
merchant-cancel = Cancel
merchant-cancelled = Application cancelled; nothing was sent.
merchant-submitted = 📨 Thanks! Your application for "{ $name }" was sent for review. I'll tell you here as soon as it's decided.
merchant-status-pending = Your application for "{ $name }" is being reviewed. I'll tell you here as soon as it's decided.
merchant-status-approved = You run "{ $name }". /staff invites and manages your staff.
merchant-status-suspended = "{ $name }" is suspended; its deals are hidden. Please contact the platform.
merchant-review = 🆕 Merchant application from { $applicant }:
    🏪 { $name }
    { $category }
    📞 { $phone }
    { $description }
merchant-approve = ✅ Approve
merchant-reject = ❌ Reject
merchant-decided-already = That application was already decided.
merchant-admin-approved = Approved "{ $name }".
merchant-admin-rejected = Rejected "{ $name }".
merchant-told-approved = 🎉 "{ $name }" is approved! You can now sell on O2O: /addstore adds a store, /newdeal posts a deal, /staff invites your staff.
merchant-told-rejected = Sorry, "{ $name }" wasn't approved this time. You can apply again with /merchant.

## Stores (merchant owners)
store-ask-name = 1/5 · The store's name (e.g. "Noodle Lab, Wanda Plaza")?
store-bad-name = Use 2 to 60 characters, with some letters.
store-ask-address = 2/5 · Its street address?
store-bad-address = Use 4 to 200 characters.
store-ask-location = 3/5 · Where is it? Share the location (📎 → Location), or type a place I know, such as "Wanda Plaza".
store-ask-hours = 4/5 · Opening hours, like "10:00-22:00", "Mon-Fri 09:00-18:00; Sat-Sun 10:00-20:00", or "-" for none.
store-ask-phone = 5/5 · The store's phone number, or "-" for none.
store-ask-confirm = Please save or cancel with the buttons.
store-share-location = 📍 Share the store's location
store-bad-location = That location can't be right (impossible coordinates).
store-unknown-place = I don't know that place. Did you mean: { $names }? You can also share the location.
store-bad-hours = I can't read those hours. Write them like 10:00-22:00, with days if they differ: Mon-Fri 09:00-18:00; Sat 10:00-16:00.
store-summary = 🏬 { $name }
    { $address }
store-hours = 🕒 { $hours }
store-phone = 📞 { $phone }
store-save = ✅ Save store
store-saved = ✅ "{ $name }" is saved. Deals can now be redeemed there.
store-cancelled = Cancelled; no store was added.
store-not-approved = Stores can be added and changed once your merchant application is approved.
store-suspended = Your merchant has been suspended by the platform, so its stores can't be added or changed right now. Please contact the platform.
store-owner-only = Only a merchant's owner manages its stores. Apply with /merchant.
store-none = No stores yet. /addstore adds one.
store-list-title = Your stores ({ $count }):

## Refusals by role (a route's area may word its own: `deal-owner-only`, ...)
role-owner-only = Only the owner of an approved merchant can do that. Apply with /merchant.
role-suspended = Your merchant is suspended, so this isn't available right now. Please contact the platform.
role-not-approved = This is available once your merchant application is approved.
role-not-staff = Only a merchant's staff can do that.
role-admin-only = Only platform admins can do that.

# Questions about one shop or deal (handlers/attributes.py)
attr-which-shop = Which shop do you mean? Name it (e.g. “Haidilao opening hours”) or open one of its deals first, then ask again.
attr-about = 🏪 { $name }
attr-store-fact = • { $name }: { $fact }
attr-hours = 🕒 Opening hours:
attr-phone = 📞 Phone:
attr-address = 📍 Address:
attr-branches = 🏬 { $count ->
        [one] 1 store
       *[other] { $count } stores
    }:
attr-rating = ⭐ Rated { $rating } out of 5
attr-price-range = 💰 Its deals cost { $low } to { $high }
attr-dishes-deal = 🍽 What's in it:
attr-dishes-shop = 🍽 Its deals:
attr-pick-a-deal = That depends on the deal: open one below to see its validity and refund rules.
attr-reservations = 📅 Yes, tables can be booked here: tap “Book a table”.
attr-not-held = I don't know { $what } for { $name }. Best ask them: 📞 { $phone }
attr-not-held-no-phone = I don't know { $what } for { $name }, and I have no phone number for it either.
attr-what-amenities = details like wifi, parking or seating
attr-what-nearby = what is around it
attr-what-rating = a rating
attr-what-phone = a phone number
attr-what-reservations = whether it takes bookings
attr-open-deal = 🎟 Open the deal
attr-open-shop = 🏪 All its deals
nlu-choice-ask_attribute = ℹ️ Ask about the store

# Flood control: a user sent many messages at once; each is still answered, slower.
flood-slow-down = You're sending messages very quickly 🙂 I'll answer every one of them, just a little more slowly.
