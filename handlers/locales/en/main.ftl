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
    • /mycodes shows the codes you bought
    • /following lists the stores you follow
    • /settings changes the language
    • /cancel leaves whatever you're doing
search-prompt = What are you looking for? Type a word (like "hotpot" or "milk tea") or pick a category:
search-empty = Type what you're looking for, for example "hotpot" or "milk tea".
nearby-prompt = Tap the button below to share your location and I'll find deals nearby.
share-location = 📍 Share my location
location-saved = Got your location (kept to about 100 m).
forget-done = Your location history is deleted. Searches won't use distance until you share a location again.
forget-nothing = We had no location of yours stored.
location-invalid = That location doesn't look right (latitude must be -90 to 90, longitude -180 to 180). Please send it again.
codes-none = You have no codes yet. Find a deal and grab one!
codes-title = Your codes ({ $count }):
codes-line = { $code } · { $title } · { $status } · valid until { $until }
code-status-issued = unused
code-status-redeemed = used
code-status-void = voided
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
settings-text = Settings
    Language: { $language }
    Choose a language:
language-auto = Same as Telegram
language-zh = 中文
language-en = English
language-set = Done, I'll speak English.
cancel-done = Cancelled.
cancel-nothing = There was nothing to cancel.
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
search-found = { $count } deals for "{ $query }" (page { $page } of { $pages }):
result-line = { $number }. { $title } — { $merchant }
    { $price } (was { $original }, { $discount })
result-distance = 📍 { $distance } away
search-found-near = { $count } deals for "{ $query }" within { $radius } (page { $page } of { $pages }):
search-none-near = No "{ $query }" deals within { $radius }. Look farther, or try a category:
search-found-place = { $count } deals for "{ $query }" within { $radius } (page { $page } of { $pages }):
radius-of-place = { $radius } of { $place }
near-usage = Tell me where you are, e.g. /near Wanda or /near Luoxing Pagoda
place-unknown = I don't know "{ $name }" yet. Share your location, or try another place name (a mall, landmark or metro station).
place-did-you-mean = I don't know "{ $name }". Did you mean:
search-anything = all
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
cmd-settings = Settings and language
cmd-forget = Delete my location history
cmd-cancel = Leave the current step

## Understanding free text (handlers/understand.py)
nlu-clarify = Just to be sure: what would you like to do with “{ $text }”?
nlu-choice-search_deals = 🔍 Find deals
nlu-choice-show_deal = 🏪 See a store's deals
nlu-choice-book_table = 📅 Book a table
nlu-choice-buy = 🛒 Buy
nlu-choice-my_codes = 🎟 My codes
nlu-choice-follow = ⭐ Follow the store
nlu-choice-unfollow = Unfollow the store
nlu-choice-set_location = 📍 Set my location
nlu-choice-settings = ⚙️ Settings
nlu-choice-help = ❓ Help
nlu-choice-cancel = ✖️ Cancel
nlu-choice-refund = ↩️ Refund
nlu-refund-how = Refunds are made from your codes: unused codes can be refunded as each deal's refund policy says. Here are your codes:
nlu-buy-how = To buy, open a deal and tap its Buy button. Here is what I found:
nlu-booking-not-yet = Table bookings aren't available in chat yet; call the store, or buy one of its deals and show the code at the counter.
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
