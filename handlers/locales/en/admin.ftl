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
admin-home-hint = /admin find NAME finds a merchant by its name.
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
