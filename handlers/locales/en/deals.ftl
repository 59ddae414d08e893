## The owner's deals: /newdeal, CSV import, /deals

deal-owner-only = Only the owner of an approved merchant can post deals. Apply with /merchant.
deal-suspended = Your merchant is suspended, so its deals can't be changed right now. Please contact the platform.
deal-not-approved = You can post deals once your merchant application is approved.
deal-no-stores = Add a store first (/addstore): a deal needs somewhere to be used.

deal-intro = Let's post a deal. I'll ask one thing at a time; /cancel stops at any point.
deal-ask-title = What is the deal called? (2 to 60 characters, e.g. "Hotpot for two")
deal-ask-description = Describe it in a few lines (up to { $max_description ->
        [one] { $max_description } character
       *[other] { $max_description } characters
    }), or Skip.
deal-ask-photo = Send a photo for the deal card, or Skip.
deal-ask-price = What do shoppers pay? (e.g. 88 or 88.50)
deal-ask-original_price = What does it cost normally, without the deal? (must be above the deal price)
deal-ask-stock = How many can be sold? (a number up to { $max_quantity }, or Unlimited)
deal-ask-per_user_limit = How many may one person buy? (1 to { $max_limit })
deal-ask-valid_from = From which day can codes be used? (e.g. 2026-12-01 or tomorrow, or Now)
deal-ask-valid_until = Until which day can codes be used? (e.g. 2026-12-31 or next Sunday; at most a year ahead)
deal-ask-usage_rules = Any rules for using it (weekends, booking ahead, ...)? Up to { $max_rules ->
        [one] { $max_rules } character
       *[other] { $max_rules } characters
    }, or Skip.
deal-ask-stores = At which stores can it be used? Tap to include or leave out, then Done.
deal-ask-category = Which category is it in?
deal-ask-tags = Tags help people find it: a few words separated by commas (e.g. hotpot, for two), or Skip.
deal-ask-refund_policy = Can buyers get their money back?

deal-skip = Skip
deal-unlimited = Unlimited
deal-left-unlimited = no limit
deal-from-now = Now
deal-days = In { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
deal-stores-done = ✔ Done
deal-category-shop = Same as my shop: { $category }
deal-policy-anytime = Refund any time before use
deal-policy-on_expiry = Refund when unused codes expire
deal-policy-none = No refunds

deal-field-form = Format
deal-field-title = Title
deal-field-description = Description
deal-field-photo = Photo
deal-field-price = Price
deal-field-original_price = Original price
deal-field-stock = Quantity
deal-field-per_user_limit = Limit per person
deal-field-valid_from = Valid from
deal-field-valid_until = Valid until
deal-field-usage_rules = Usage rules
deal-field-stores = Stores
deal-field-category = Category
deal-field-tags = Tags
deal-field-refund_policy = Refunds

deal-bad-title-short = The title needs at least { $min ->
        [one] { $min } character
       *[other] { $min } characters
    } with letters or digits.
deal-bad-title-long = The title is { $length ->
        [one] { $length } character
       *[other] { $length } characters
    }; { $max } at most, please.
deal-bad-text-long = That is { $length ->
        [one] { $length } character
       *[other] { $length } characters
    }; { $max } at most, please.
deal-bad-price-not-number = That doesn't look like an amount. Type just the number, like 88 or 88.50.
deal-bad-price-not-positive = The amount must be more than 0.
deal-bad-price-too-big = That is more than { $max } — probably a typo?
deal-bad-price-decimals = Amounts have at most { $digits ->
        [one] 1 decimal
       *[other] { $digits } decimals
    }.
deal-bad-original-not-above = The original price must be higher than the deal price, otherwise it's no deal.
deal-bad-count-not-number = Please type a whole number from 1 to { $max }.
deal-bad-count-range = Please type a whole number from 1 to { $max }.
deal-bad-date-invalid = That date doesn't exist in the calendar.
deal-bad-date-unreadable = I can't read that date. Type it like 2026-12-31, 12-31, Dec 31, tomorrow or next Monday.
deal-bad-date-past = That day has already passed.
deal-bad-date-too-far = That is more than { $days ->
        [one] { $days } day
       *[other] { $days } days
    } ahead.
deal-bad-until-before-from = The last day must not be before the first day.
deal-bad-tag-long = The tag "{ $tag }" is too long ({ $max ->
        [one] { $max } character
       *[other] { $max } characters
    } at most).
deal-bad-tags-many = { $max ->
        [one] { $max } tag
       *[other] { $max } tags
    } at most, please.
deal-bad-policy-unknown = Unknown refund rule. Use anytime, on_expiry or none (随时退, 过期退, 不可退).
deal-bad-category-unknown = Unknown category.
deal-bad-one-line-shape = The one-line form has 3 to 5 parts separated by |, not { $count }.
deal-bad-photo-not-photo = That isn't a photo. Send a picture, or Skip.
deal-bad-photo-as-file = That came as a file. Please send it as a photo (not "as file"), or Skip.
deal-bad-not-text = Please answer in text.
deal-bad-use-buttons = Please choose with the buttons.
deal-bad-field-unknown = That can't be changed here.
deal-bad-deal-ended = This deal has ended and can no longer be changed.
deal-bad-file-excel = This looks like an Excel workbook. Please save it as "CSV UTF-8" and send that.
deal-bad-file-encoding = I can't read the text of this file. Please save it as "CSV UTF-8".
deal-bad-file-binary = This isn't a text file. Please send a CSV.
deal-bad-file-big = The file is too big ({ $max_mb } MB at most).
deal-bad-file-unreadable = The file isn't valid CSV ({ $detail }).
deal-bad-file-empty = The file is empty.
deal-bad-file-columns = Missing columns: { $missing }. The first row has: { $found }.
deal-bad-file-no-rows = The file has a header row but no deals.
deal-bad-file-rows = The file has { $rows ->
        [one] { $rows } deal
       *[other] { $rows } deals
    }; at most { $max } per file. Please split it into several files.
deal-bad-cell-empty = empty, but required
deal-bad-store-unknown = no store of yours is called "{ $store }"
deal-bad-row-repeated = the same as row { $first }

deal-one-line-problems = That deal can't be posted yet:
deal-one-line-usage = Format: /newdeal title | price | original price | quantity | last day — e.g. /newdeal 双人火锅套餐 | 88 | 168 | 100 | 2026-12-31 (quantity and last day may be left out). For a group deal add one more part: | group 3 people ¥69 24h.

deal-preview =
    Preview of your deal:
    【{ $title }】
    Price { $price } (instead of { $original }, { $discount })
    Group deal: { $group }
    Quantity: { $stock } · Limit per person: { $limit }
    Valid { $start } – { $until }
    Stores: { $stores }
    Category: { $category } · Tags: { $tags }
    Refunds: { $policy }
    Description: { $description }
    Rules: { $rules }
deal-publish = 🚀 Publish
deal-edit = ✏️ Edit
deal-cancel = Cancel
deal-edit-which = What would you like to change?
deal-cancelled = Deal discarded; nothing was published.
deal-published = Published! 【{ $title }】 is on sale now. Its link: { $link }
deal-published-already = That deal was already published.
deal-publish-not_owner = Only the owner of an approved merchant can publish deals, with its own stores.
deal-publish-no_stores = Add a store first (/addstore): a deal needs somewhere to be used.
deal-publish-duplicate = That deal was already published.
deal-manage = Manage it
deal-list = My deals

deal-import-help =
    To post many deals at once, send a CSV file (as a document). The first row names the columns:
    title, price, original_price are required; quantity, valid_until, valid_from, per_user_limit, description, usage_rules, category, tags, refund_policy and stores are optional (Chinese headers such as 标题, 价格, 原价 work too). Stores are names separated by ";"; leave empty for all stores.
    Group deals too: group_size (2 to 50 people), group_price (below the price) and group_hours (1 to 168, 24 if empty); leave them empty for a plain deal.
    UTF-8 or GBK; at most { $max ->
        [one] { $max } deal
       *[other] { $max } deals
    } per file. Every row is checked first: if any row is wrong, nothing is imported and I list what to fix.
deal-import-template = A template to fill in.
deal-import-not-csv = I can only import deals from a CSV file. Send /import for the format.
deal-import-see-help = Send /import for the format and a template.
deal-import-refused = Nothing was imported: fix { $rows ->
        [one] { $bad } of { $rows } row
       *[other] { $bad } of { $rows } rows
    } first.
deal-import-row = • Row { $row }, { $column }: { $problem }
deal-import-more = … and { $count } more.
deal-imported = { $count ->
        [0] All { $again } deals were imported before; nothing new.
       *[other] Imported { $count ->
                [one] { $count } deal; it is
               *[other] { $count } deals; they are
            } on sale now.{ $again ->
            [0] {""}
           *[other] {" "}{ $again ->
                    [one] { $again } was
                   *[other] { $again } were
                } already imported before and were skipped.
        }
    }

deal-column-title = title
deal-column-price = price
deal-column-original_price = original price
deal-column-quantity = quantity
deal-column-valid_until = valid until
deal-column-valid_from = valid from
deal-column-per_user_limit = limit per person
deal-column-description = description
deal-column-usage_rules = usage rules
deal-column-category = category
deal-column-tags = tags
deal-column-refund_policy = refunds
deal-column-stores = stores
deal-column-row = row

deal-none = You have no deals yet. Post one with /newdeal.
deal-list-title = Your deals ({ $total }):
deal-list-line = { $number }. { $status } { $title } · { $price } · sold { $sold } · left { $left } · until { $until }
deal-status-draft = 📝
deal-status-active = 🟢
deal-status-paused = ⏸
deal-status-ended = ⏹
deal-status-hidden = 🚫
deal-list-suspended = ⛔ Your merchant has been suspended by the platform: shoppers can't see or buy the deals marked 🚫; they go back on sale when it is restored. Codes already sold still redeem.
deal-page-suspended = ⛔ Your merchant has been suspended by the platform: shoppers can't see or buy this deal, and it can't be changed for now. Please contact the platform.
deal-page =
    【{ $title }】 { $status }
    Price { $price } (instead of { $original })
    Sold { $sold } · awaiting payment { $pending } · left { $left }
    Codes valid until { $until }
deal-pause = ⏸ Pause
deal-resume = ▶️ Resume
deal-end = ⏹ End
deal-end-confirm = End 【{ $title }】 for good? It leaves the shelves; codes already sold stay valid.
deal-end-yes = Yes, end it
deal-end-no = No, keep it
deal-pause-done = Paused: it no longer shows in search. Codes already sold stay valid.
deal-pause-already = It isn't on sale, so there's nothing to pause.
deal-resume-done = On sale again.
deal-resume-already = It isn't paused.
deal-end-done = Ended. Codes already sold stay valid.
deal-end-already = It had already ended.
deal-edit-ask = New { $field }? (now: { $current }) /cancel keeps it.
deal-edit-ask-again = Please type the new { $field } again, or /cancel.
deal-edit-saved = { $field } saved. Orders already placed keep their price.

## Group deals (拼团, issue 17): a /newdeal step, a one-line part, a /deals field, three CSV columns

deal-ask-group = Make it a group deal? In one answer: how many people, what each pays (below the deal price { $price }) and how many hours a group has to fill, e.g. "3 people ¥39 24h" ({ $min_size } to { $max_size } people, { $min_hours } to { $max_hours ->
        [one] { $max_hours } hour
       *[other] { $max_hours } hours
    }; 24 if you leave it out). Or Skip.
deal-field-group = Group deal
deal-group-terms = { $size }-person group { $price } · fills within { $hours } h
deal-group-none = no
deal-page-group = Group deal: { $terms }
deal-edit-ask-group = New group deal? Say the people, the group price (below { $price }) and the hours, e.g. "3 people ¥39 24h"; "-" makes it a plain deal. (now: { $current }) /cancel keeps it.
deal-edit-group-saved = Group deal saved: { $terms }. Groups already open go on as they were: same size, members keep the price they paid, and they fill or are refunded in full.
deal-edit-group-cleared = No longer a group deal: no new groups open, and groups already open take no new members; members who paid are refunded in full when their group closes unfilled.

deal-bad-group-use-digits = Please use digits, e.g. "3 people ¥39 24h".
deal-bad-group-size-range = A group has { $min } to { $max } people (a whole number).
deal-bad-group-price-not-below = The group price must be below the deal price, or nobody needs a group.
deal-bad-group-hours-range = A group stays open { $min } to { $max ->
        [one] { $max } hour
       *[other] { $max } hours
    } (a whole number; 1 day = 24, 7 days = 168).
deal-bad-group-window-past-deal = The deal doesn't run long enough for a { $hours }-hour group: a group opened now could have { $latest ->
        [one] { $latest } hour
       *[other] { $latest } hours
    } at most. Give it { $latest ->
        [one] { $latest } hour
       *[other] { $latest } hours
    } or less, or let the deal run longer.
deal-bad-group-deal-ending = The deal has less than an hour left, not enough for a { $hours }-hour group. Let the deal run longer first.
deal-bad-group-unreadable = I can't read "{ $text }". Say the people, the group price and the hours, e.g. "3 people ¥39 24h"; "-" for no group deal.
deal-bad-group-size-missing = How many people? e.g. "3 people ¥39 24h".
deal-bad-group-price-missing = What does each pay? e.g. "3 people ¥39 24h".
deal-bad-group-twice = Only one group part, please.
deal-bad-price-not-above-group = The price must stay above the group price. Change or clear the group deal first.
deal-bad-until-before-group-window = Each group has { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    } to fill, and that last day leaves less. Pick a later day, or shorten the group window first.

deal-column-group_size = group size
deal-column-group_price = group price
deal-column-group_hours = group hours
