"""Bringing shoppers back: merchants' coupons and people's wallets (`coupons/`: terms,
parsing, wallet, at_checkout, templates), following merchants (`follows`), campaigns
(`campaigns`, and `campaign_input` for what the owner types) and the pushes that deliver
them (`pushes/`: planning, sending, reports, offers), each person's say over pushes
(`push_settings`), the taste profiles that pick who gets which offer when (`profiles`),
and referral codes (`referrals`)."""
