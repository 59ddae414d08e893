"""The plumbing every domain stands on: the current time and people's time zones
(`clock`), money in integer minor units (`money`), the database handle the layers above
pass around (`database`), users and their preferences (`users`), the event log of what
they do (`events`), the step of a multi-step conversation they are in (`conversations`),
the outbox of messages the system owes someone, written in the same transaction as the
change it reports (`outbox`), and how what merchants type is cleaned and bounded, the
same for deals and coupons (`merchant_input`)."""
