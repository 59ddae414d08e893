"""The ledger: one double-entry book for every yuan (issue 16).

- `books`: accounts, balanced entries posted once per cause, balances as sums of lines;
- `split`: exact splits (largest remainder) of fees and commissions;
- `rules`: the platform's fee, commission cap, referral levels and refund window;
- `sales`: an order's money, posted with each change (paid, redeemed, lapsed, refunded,
  undone) and the release of commissions after the refund window;
- `payouts`: money out to merchants and referrers, never more than they have;
- `commissions`: merchants' commission rates;
- `statements`: what owners, referrers and admins see, and the monthly CSV;
- `check`: `o2o ledger check`, the rules the books must always satisfy.
"""
