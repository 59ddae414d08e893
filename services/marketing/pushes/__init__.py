"""Campaign pushes: every follower of a run gets at most one push, at a good moment.

The parts (import each name from its part; this package re-exports nothing):

- `planning`: a campaign run planned into one `Delivery` row per follower (`start_run`,
  `plan_run`): when, or why not (paused, blocked, quiet hours, daily maximum, a likelier
  campaign in the same window).
- `sending`: each delivery's state machine while it goes out (`claim_due` -> transport
  -> `settle`; `put_back` after a 429; `recover_in_doubt` after a crash).
- `reports`: how a run is going and how it ended (`run_report`, `finish_run`, the
  figures /stats shares: `push_results`), and the owner's news a run owes.
- `offers`: what a push shows its recipient (`push_offer`) and what they do with it
  (`open_push`, `mark_claimed`).
"""
