## Platform admin (/admin)
admin-home-title = 📊 Platform totals · { $time } ({ $timezone })
admin-users = 👥 Users: { $count }
admin-merchants = 🏪 Merchants: { $approved } approved · { $pending } pending · { $suspended } suspended · { $rejected } rejected
admin-deals-on-sale = 🏷 Deals on sale: { $count }
admin-orders-title = 💰 Paid orders
admin-orders-line = { $period }: { $count } · { $amount }
admin-orders-none = { $period }: none
admin-period-today = Today
admin-period-week = Last 7 days
admin-period-all = All time
admin-redeemed = 🎫 Codes redeemed: today { $today } · last 7 days { $week } · all time { $all }
admin-refunds-title = ↩️ Refunds
admin-refunds-line = { $period }: { $count } · { $amount }
admin-refunds-none = { $period }: none
admin-refunds-open = ⏳ Refunds not completed yet: { $count }
admin-home-hint = /admin find NAME finds a merchant by its name. Money: /admin payables, /admin pay, /admin withdrawals, /admin fee, /admin refund ORDER_ID.
admin-pending-button = 📝 Pending applications ({ $count })
admin-merchants-button = 🏪 Merchants
admin-refresh-button = 🔄 Refresh
admin-home-button = 📊 Admin home
admin-prev = ◀ Previous
admin-next = Next ▶

admin-pending-title = 📝 Pending applications: { $count } (page { $page } of { $pages }), oldest first
admin-pending-none = ✨ No applications are waiting for review.
admin-pending-item = { $number }. 🏪 { $name } · { $category }
    📞 { $phone } · from { $applicant } · { $date }
    { $description }

admin-merchants-title = 🏪 Merchants: { $count } (page { $page } of { $pages }), newest first
admin-merchants-none = No merchants yet.
admin-merchant-line = { $number }. { $name } · { $status } · { $deals } · { $orders }
admin-status-pending = ⏳ pending
admin-status-approved = ✅ approved
admin-status-suspended = ⛔ suspended
admin-status-rejected = ❌ rejected
admin-deals-live = { $count } on sale
admin-deals-hidden = { $count } hidden
admin-deals-not-selling = not selling
admin-paid-orders = { $count ->
    [one] 1 paid order
   *[other] { $count } paid orders
}

admin-find-usage = Send /admin find and part of a merchant's name, e.g. /admin find noodle
admin-find-title = 🔎 Merchants whose name contains "{ $query }": { $count }
admin-find-more = Showing the first { $shown }; add a word to narrow it down.
admin-find-none = No merchant's name contains "{ $query }".

admin-page-status = { $status } · { $category } · { $slug }
admin-page-phone = 📞 { $phone }
admin-page-owner = 👤 Owner: { $owner }
admin-owner-none = no owner on record
admin-page-joined = 📅 Joined { $date }
admin-page-stores = 🏬 Stores: { $count }
admin-page-deals-approved = 🏷 Deals on sale: { $live } of { $all }
admin-page-deals-suspended = 🏷 Deals hidden while suspended: { $live } of { $all }
admin-page-deals-other = 🏷 Deals: { $all } (none on sale)
admin-page-orders = 💰 Paid orders: { $count }
admin-page-redeemed = 🎫 Codes redeemed: { $count }
admin-page-followers = ❤️ Followers: { $count }
admin-back-to-list = ◀ Merchants

admin-suspend-button = ⛔ Suspend
admin-restore-button = ♻️ Restore
admin-suspend-confirm = Suspend "{ $name }"?
    Its { $live ->
        [one] { $live } deal on sale disappears
       *[other] { $live } deals on sale disappear
    } from search and can't be bought. Codes already sold still redeem at the counter. The owner is told.
admin-suspend-yes = ⛔ Yes, suspend
admin-suspend-no = Cancel
admin-suspended = ⛔ "{ $name }" is suspended: its deals are hidden and can't be bought; codes already sold still redeem. The owner was told.
admin-restored = ♻️ "{ $name }" is restored: its deals are back on sale. The owner was told.
admin-already-suspended = "{ $name }" is already suspended; nothing changed.
admin-already-restored = "{ $name }" is already restored; nothing changed.
admin-cannot-suspend = "{ $name }" is { $status }: only an approved merchant can be suspended.
admin-cannot-restore = "{ $name }" is { $status }: only a suspended merchant can be restored.
admin-owner-suspended = ⛔ "{ $name }" has been suspended by the platform: its deals are hidden and can't be bought for now. Codes your customers already bought still redeem as usual. Please contact the platform if you have questions.
admin-owner-restored = ✅ "{ $name }" is restored: your deals are back on sale.

## Money (/admin payables, pay, withdrawals, paid, cancel, fee, refund)
admin-payables-button = 💳 Payables
admin-withdrawals-button = 💸 Withdrawals
admin-payables-title = 💳 Merchants with money to settle: { $count }
admin-payables-line = { $number }. #{ $id } { $name } — payable { $payable } · pending { $pending }
admin-payables-none = No merchant has money to settle right now.
admin-payables-hint = After a transfer, record it: /admin pay MERCHANT_ID AMOUNT REFERENCE
admin-pay-usage = Usage: /admin pay MERCHANT_ID AMOUNT REFERENCE, e.g. /admin pay 3 1000 BANK-20261125-01
admin-merchant-unknown = There is no merchant #{ $id }.
admin-bad-amount = "{ $text }" isn't an amount: write a number above 0 (at most two decimals).
admin-pay-too-much = { $amount } can't be paid out to { $name }: its payable is { $payable }.
admin-pay-done = ✅ Recorded a payout of { $amount } to { $name } (reference { $reference }). Still payable: { $left }.
admin-withdrawals-title = 💸 Withdrawals waiting: { $count }
admin-withdrawals-line = { $number }. #{ $id } { $name } (Telegram id { $telegram }) — { $amount } · asked on { $date }
admin-withdrawals-none = No withdrawals are waiting.
admin-withdrawals-hint = After the transfer, press "Transferred" and send its reference (or /admin paid PAYOUT_ID REFERENCE).
admin-payout-paid-button = ✅ Transferred #{ $id }
admin-payout-cancel-button = ✖ Cancel #{ $id }
admin-payout-reference-ask = Send the reference of the transfer for withdrawal #{ $id } ({ $amount }):
admin-payout-reference-again = Please send the transfer's reference for withdrawal #{ $id } as text.
admin-payout-paid-done = ✅ Withdrawal #{ $id } ({ $amount }) is marked transferred, reference { $reference }.
admin-payout-unknown = There is no withdrawal #{ $id }.
admin-payout-not-requested = Withdrawal #{ $id } isn't waiting (transferred, cancelled or unknown), so nothing changed.
admin-paid-usage = Usage: /admin paid PAYOUT_ID REFERENCE
admin-cancel-usage = Usage: /admin cancel PAYOUT_ID
admin-payout-cancel-confirm = Cancel withdrawal #{ $id } ({ $amount })? The money becomes available to the referrer again.
admin-payout-cancel-yes = ✖ Yes, cancel it
admin-payout-cancel-no = ↩ Back
admin-payout-cancelled = ✅ Withdrawal #{ $id } is cancelled; { $amount } is available to the referrer again.
admin-fee-usage = Usage: /admin fee MERCHANT_ID PERCENT (e.g. 3.5), or /admin fee MERCHANT_ID default for the platform's
admin-fee-bad = "{ $text }" isn't a fee: write a percentage from 0 to 100, at most two decimals.
admin-fee-refused = { $name }'s fee can't be { $fee }: with its referral commissions it would be over 100%.
admin-fee-done = ✅ { $name }'s platform fee is now { $fee }, for orders paid from now on.
admin-fee-default = ✅ { $name } pays the platform's default fee again ({ $fee }), for orders paid from now on.
admin-refund-usage = Usage: /admin refund ORDER_ID (the whole order, redeemed codes included)
admin-refund-unknown = There is no paid order #{ $id }.
admin-refund-confirm = Refund the whole of order #{ $id } "{ $title }" (paid { $total })?
    Redeemed codes are refunded too: the money comes back from the merchant's payable, the platform's fee and the referral commissions (even commissions already available), and the buyer is told.
admin-refund-yes = ↩ Yes, refund the whole order
admin-refund-nothing = Order #{ $id } has no code left to refund, so nothing changed.
admin-refund-done = ✅ Order #{ $id } is refunded: { $amount } for { $count ->
        [one] 1 code
       *[other] { $count } codes
    }. The buyer has been told.
admin-refund-pending = ⏳ The refund of { $amount } for order #{ $id } ({ $count ->
        [one] 1 code
       *[other] { $count } codes
    }) is recorded; the payment provider is still on it, and the buyer is told once it is done.
