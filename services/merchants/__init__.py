"""The shop owner's side: applying to sell and the platform admin's review
(`applications`, `admin`), the merchant's stores (`stores`), deals typed one by one or
imported from a CSV file (`deals`, `deal_import`), the staff who redeem codes (`staff`),
and the owner's numbers (`stats`)."""
