"""Bringing shoppers back: merchants' coupons and people's wallets (`coupons`),
following merchants (`follows`), campaigns and the pushes that deliver them (`campaigns`,
`pushes`), each person's say over pushes (`push_settings`), the taste profiles that pick
who gets which offer when (`profiles`), and referral codes (`referrals`)."""
