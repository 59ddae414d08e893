## The owner's numbers: /stats, /export, /poster (handlers/stats.py)
stats-owner-only = Only a merchant's owner can see its numbers, exports and poster.
stats-not-approved = Numbers, exports and the poster are available once your merchant application is approved.
stats-suspended = Your merchant has been suspended by the platform, so its numbers, exports and poster aren't available right now. Please contact the platform.
stats-usage = Usage: /stats 7d or /stats 30d — the last 7 or 30 days, today included (7d when left out).
export-usage = Usage: /export 7d, /export 30d or /export all — the orders of the last 7 or 30 days, or all of them (30d when left out); /export statement 2026-11 — a month's statement of your money.
stats-title = 📊 { $merchant } · last { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
stats-range = { $first } – { $last } (days in { $timezone })
stats-orders = Paid orders: { $orders } · units: { $units }
stats-revenue = Revenue: { $revenue }
stats-revenue-refunded = Revenue: { $revenue } (net of { $refunded } refunded)
stats-redemptions = Redemptions: { $count } (codes used in these days)
stats-rate = Redemption rate: { $rate }% — { $redeemed } of the { $issued ->
        [one] { $issued } code
       *[other] { $issued } codes
    } from orders paid in these days { $redeemed ->
        [one] has
       *[other] have
    } been redeemed so far
stats-rate-none = Redemption rate: - (no codes from orders paid in these days)
stats-followers = New followers: { $count }
stats-top-title = Top deals by revenue:
stats-top-line = { $number }. { $title } — { $revenue } · { $units ->
    [one] 1 unit
   *[other] { $units } units
}
stats-nothing = No orders were paid and no codes were redeemed in these days.
stats-chart-title = { $merchant } · last { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
stats-chart-revenue = Revenue ({ $currency })
stats-chart-redemptions = Redemptions
stats-chart-caption = Per day: revenue (bars) and redemptions (line), { $first } – { $last }
stats-chart-in-english = ℹ️ The chart is in English: this server has no font that writes Chinese. The operator can install one (fonts-wqy-microhei).
export-all-time = all time
export-none = No orders in this period ({ $range }), so there is nothing to export.
export-caption = 📄 { $count ->
    [one] 1 order
   *[other] { $count } orders
} · { $range } · times in { $timezone }
export-col-order = Order
export-col-created = Created
export-col-paid = Paid
export-col-deal = Deal
export-col-quantity = Quantity
export-col-amount = Amount
export-col-refunded = Refunded
export-col-currency = Currency
export-col-status = Status
export-col-issued = Codes issued
export-col-redeemed = Codes redeemed
export-status-pending = pending
export-status-paid = paid
export-status-fulfilled = paid (codes delivered)
export-status-expired = expired unpaid
export-status-cancelled = cancelled
export-status-refunded = refunded
poster-caption = 🖨 Your counter poster. Scanning the code opens your storefront: { $link }
poster-in-english = ℹ️ The poster is in English, naming you “{ $title }”: this server has no font that writes Chinese. The operator can install one (fonts-wqy-microhei) for a Chinese poster.
poster-no-storefront = Your storefront can't be opened right now, so there is no poster to make.
stats-dates = { $first } – { $last }
stats-chart-revenue-plain = Revenue
poster-print-file = The same poster as a full-size file (A4 at 150 dpi) for printing.
stats-campaigns-title = 📣 Pushes that started in these days:
stats-campaign-line = { $number }. { $title } · { $when } — { $counts }
stats-campaign-counts = sent { $sent } · claimed { $claimed } · redeemed { $redeemed }
stats-campaign-earlier = … and { $count ->
    [one] 1 earlier run
   *[other] { $count } earlier runs
} (counted in the total)
stats-campaign-total = Total of { $runs ->
    [one] 1 run
   *[other] { $runs } runs
}: { $counts }
stats-campaign-untitled = Push #{ $campaign }
