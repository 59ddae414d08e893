"""The shop owner's side: applying to sell and the platform admin's review
(`applications`, `admin`), the merchant's stores (`stores`), deals typed one by one or
imported from a CSV file (`deal_input` reads what the owner types, `deals` publishes and
manages them, `deal_import` reads the file), the staff who redeem codes (`staff`), and
the owner's numbers (`stats`)."""
