# A booking's deposit (handlers/booking_deposit.py; refund reasons in handlers/checkout.py)
deposit-booking = { $store }, { $when }, { $party } people (booking { $code })
deposit-title = Deposit: { $store }
deposit-label = Booking deposit
deposit-ask = This booking needs a deposit of { $amount }: { $what }
deposit-why-no-shows = Why: three bookings in the last 90 days were missed without cancelling, so your next bookings need a deposit.
deposit-back-until = You get it back if you cancel at least { $hours ->
    [one] 1 hour
   *[other] { $hours } hours
} before; it is kept if you don't come.
deposit-hold = The table is held for you until { $until }; please pay before then.
deposit-unavailable = Paying is not possible right now. Nothing was charged and the table was released. Please try again in a few minutes.
deposit-not-held = This booking is no longer waiting for its deposit. See /bookings.
deposit-paid = ✅ Deposit of { $amount } received: your booking is confirmed. { $what }. Cancel at least { $hours ->
    [one] 1 hour
   *[other] { $hours } hours
} before to get it back.
deposit-expired = ⌛ The deposit was not paid in time, so the table was released and the booking cancelled: { $what }. Nothing was charged.
precheck-deposit-unknown-booking = This payment is no longer valid. Please book again.
precheck-deposit-paid-already = This deposit is already paid; your booking is confirmed.
precheck-deposit-booking-closed = This booking was cancelled. Please book again.
precheck-deposit-booking-expired = The table was only held for 15 minutes and was released. Please book again.
precheck-deposit-amount-changed = The deposit changed. Please book again.
refund-why-deposit = It is your booking deposit, given back because the booking was cancelled in time.
refund-why-booking-late = The table had been released and taken by someone else before the deposit arrived.
refund-why-booking-closed = The booking had been cancelled before the deposit arrived.
web-pay-deposit = Deposit for your booking: { $what }
