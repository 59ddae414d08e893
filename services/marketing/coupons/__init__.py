"""Coupons: a merchant's templates, people's wallets, claims, and coupons at checkout.

A `CouponTemplate` is a kind of coupon a merchant hands out (满100减20, 8折 capped at
¥30, a free drink); a `Coupon` is one of them in somebody's wallet. The life of a coupon:

    available --order opened--> held --order paid--> used
        ^                          |                   |
        +-- order cancelled/expired+   whole order refunded (back to available, or
        |                                              expired when its time is up)
        +--valid_until passed--> expired

The parts (import each name from its part; this package re-exports nothing):

- `terms`: what a coupon is and gives: `CouponTerms` and the discount arithmetic
  (`discount_for`: never below one minor unit).
- `parsing`: the merchant-input grammar: `/coupon new 满100减20 | 7天 | 100张` on one
  line (`parse_coupon`) and the guided answers (`parse_terms`, `parse_valid_days`,
  `parse_quantity`, `parse_per_user`); `CouponInputError`.
- `wallet`: claiming (`claim`, the welcome coupon of a new follower) and a shopper's
  wallet (`wallet`).
- `at_checkout`: choosing, holding, using and giving back a coupon at checkout
  (`hold_for_order`, `use_coupon`, `release_coupon`, `coupons_for_order`).
- `templates`: a merchant's templates: creating, listing, pausing, the welcome one, and
  the floor check of what a coupon does to the merchant's deals (`impact_on`).
"""
