## Money: referral commissions, withdrawals, teams, merchants' payouts, rates (handlers/money.py)

money-owner-only = Only the owner of an approved merchant can see its payouts and set referral commissions. Apply with /merchant first.
money-suspended = Your merchant has been suspended by the platform, so its payouts and commissions can't be seen or changed right now. Please contact the platform.
money-not-approved = Payouts and referral commissions are available once your merchant application is approved.

referral-unchanged = ℹ️ You were already here, so this invitation link changes nothing.

## /earnings
earn-title = 💰 My referral commissions
earn-available = Available: { $amount }
earn-negative = ⚠️ A commission you already had was taken back after a refund, so your available balance is below zero for now; your next commissions make up for it first.
earn-pending = Pending: { $amount } (of which { $frozen } redeemed, available { $days ->
        [one] 1 day
       *[other] { $days } days
    } after the redemption, the refund window)
earn-pending-unredeemed = Pending: { $amount } (available { $days ->
        [one] 1 day
       *[other] { $days } days
    } after the codes are redeemed, the refund window)
earn-withdrawals = Withdrawals in transit: { $transit } · paid to you: { $settled }
earn-levels-title = What each level of your team brought (net of refunds):
earn-level-1 = Level 1 (friends you invited): { $amount }
earn-level-2 = Level 2 (people they invited): { $amount }
earn-level-3 = Level 3: { $amount }
earn-recent-title = Latest:
earn-none = No commissions yet. Invite friends with the link in /team: when they (or the people they invite) buy a deal, you earn the commission the merchant set.
earn-withdraw-hint = To withdraw part of it: /withdraw AMOUNT, e.g. /withdraw 50
earn-withdraw-button = 💸 Withdraw { $amount }
earn-move-accrued = +{ $amount } accrued (level { $level }, order #{ $order })
earn-move-frozen = { $amount } redeemed, available after the refund window (order #{ $order })
earn-move-released = { $amount } released: the refund window is over (order #{ $order })
earn-move-undone = { $amount } back to pending: the redemption was undone (order #{ $order })
earn-move-voided = -{ $amount } voided: the order was refunded (order #{ $order })
earn-move-clawed = -{ $amount } clawed back: a redeemed order was refunded (order #{ $order })
earn-move-withdrawn = -{ $amount } withdrawn (asked for)
earn-move-withdraw-cancelled = +{ $amount } withdrawal cancelled, available again
earn-move-other = { $amount } { $kind }

## /withdraw
withdraw-usage = Usage: /withdraw AMOUNT, e.g. /withdraw 50. Available now: { $available }.
withdraw-nothing = There is nothing to withdraw right now (available: { $available }). A redeemed commission becomes available once the refund window is over.
withdraw-too-much = You can't withdraw { $amount }: what is available is { $available }.
withdraw-bad-unreadable = "{ $text }" isn't an amount. Write a number, e.g. /withdraw 50 or /withdraw 12.5. Available now: { $available }.
withdraw-bad-not_positive = A withdrawal must be more than 0. Available now: { $available }.
withdraw-bad-decimals = An amount has at most { $digits ->
        [one] 1 decimal
       *[other] { $digits } decimals
    }. Available now: { $available }.
withdraw-confirm = Withdraw { $amount }?
    The platform checks it and transfers it to you by hand (they will ask where to); then it shows here as paid to you.
    Left available afterwards: { $left }
withdraw-yes = ✅ Withdraw { $amount }
withdraw-no = Cancel
withdraw-done = ✅ Withdrawal of { $amount } asked for; it shows as paid once the platform transfers it. Still available: { $left }
withdraw-changed = Your available balance has changed (it is { $available } now), so nothing was withdrawn. Please start again if you want to withdraw.

## /team
team-title = 👥 My team
team-level-1 = Level 1 (friends you invited): { $count ->
        [one] 1 person
       *[other] { $count } people
    }
team-level-2 = Level 2 (people they invited): { $count ->
        [one] 1 person
       *[other] { $count } people
    }
team-level-3 = Level 3: { $count ->
        [one] 1 person
       *[other] { $count } people
    }
team-how = A friend who comes here for the first time through your link joins your team. When people in your team buy deals, you earn the commission the merchant set (see /earnings). Nobody's name is shown.
team-link = Your invitation link:
    { $link }
team-share-text = Find group-buy deals nearby here
team-forward = 📤 Forward to a friend

## /payouts
payouts-title = 💳 { $merchant } · payouts
payouts-payable = Payable: { $amount } (redeemed, waiting for the platform's transfer)
payouts-payable-negative = Payable: { $amount } (refunds after a payout; your next income makes up for it first)
payouts-pending = Pending: { $amount } (becomes payable as codes are redeemed)
payouts-paid = Paid out: { $amount }
payouts-share = Altogether: { $amount } (your share of paid orders, after the platform's fee, referral commissions and refunds)
payouts-none = No income yet. Once the deals you sell are redeemed, your share shows here.
payouts-recent-payable = Latest on payable:
payouts-recent-pending = Latest on pending:
payouts-recent-paid = Latest payouts:
payouts-paid-line = • { $date } { $amount } · reference { $reference }
payouts-statement-hint = Monthly statement: /export statement { $month }
money-line = • { $date } { $amount } · { $what }
money-order = order #{ $order }
money-kind-payment = sale
money-kind-redeemed = redeemed
money-kind-lapsed = expired unused (no refund)
money-kind-refund = refund
money-kind-clawback = refund after use
money-kind-undo = redemption undone
money-kind-payout_requested = payout
money-kind-deposit_kept = booking deposit kept
money-kind-payout_cancelled = payout cancelled
money-detail-sale = your share
money-detail-coupon = coupon discount
money-detail-share = your share
money-detail-rounding = rounding
money-detail-payout = payout
money-detail-cancelled = cancelled
money-account-pending = pending
money-account-payable = payable

## /export statement
statement-usage = Usage: /export statement 2026-11 (a month; this month when left out)
statement-caption = 📄 { $merchant } · statement for { $month } · { $count ->
        [one] 1 line
       *[other] { $count } lines
    } · payable { $opening } → { $closing } · times in { $timezone }
statement-col-date = Date
statement-col-entry = Entry
statement-col-order = Order
statement-col-code = Code
statement-col-account = Account
statement-col-detail = Detail
statement-col-amount = Amount
statement-col-balance = Payable balance
statement-opening = Opening balance
statement-closing = Closing balance

## /commission
commission-title = 🤝 Referral commissions (of what the buyer pays)
commission-rates = level 1: { $l1 } · level 2: { $l2 } · level 3: { $l3 } ({ $total } in all)
commission-default = Default: { $rates }
commission-cap = Limit: the three levels together at most { $cap } (the platform's fee is { $fee })
commission-levels-note = The platform pays commissions on the first { $levels ->
        [one] level
       *[other] { $levels } levels
    } only.
commission-deals-title = Your deals (number · title · commission):
commission-deal-default = • #{ $id } { $title }: the default
commission-deal-own = • #{ $id } { $title }: { $rates }
commission-usage = Set the default: /commission 5 3 2 (percent for levels 1, 2, 3; decimals like 2.5 are fine)
    One deal: /commission DEAL_NUMBER 8 4 2
    Back to the default: /commission DEAL_NUMBER default
commission-set-default = ✅ The default referral commission is now { $rates }. Orders paid from now on use it; paid orders keep theirs.
commission-set-deal = ✅ Deal #{ $id } now pays { $rates }. Orders paid from now on use it; paid orders keep theirs.
commission-cleared = ✅ Deal #{ $id } follows the default referral commission again ({ $rates }).
commission-over-cap = Commissions of { $total } in all are over the limit of { $cap }, so nothing changed.
commission-bad = "{ $text }" isn't a commission. Write percentages from 0 to 100 (at most two decimals), e.g. /commission 5 3 2.
commission-unknown-deal = There is no deal #{ $id } of yours. Send /commission to see your deals' numbers.

# Owed news of payouts (the outbox)
money-told-withdrawal-paid = 💸 Your withdrawal of { $amount } has been transferred (reference { $reference }). See /earnings.
money-told-withdrawal-cancelled = The platform cancelled your withdrawal of { $amount }; the money is available again. See /earnings.
money-told-merchant-paid = 💳 The platform has transferred { $amount } to you (reference { $reference }). See /payouts.
money-detail-deposit = deposit
