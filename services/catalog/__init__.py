"""What shoppers browse: deals as list entries and full cards (`deal_cards`), keyword
search and the default order of its results (`search`, `ranking`), the one category
taxonomy and the dish words people search by (`taxonomy`, `dishes`), distances and where
people and places are (`geo`, `locations`, the `places` gazetteer), stores' opening hours
(`hours`), and each merchant's own storefront (`storefront`)."""
