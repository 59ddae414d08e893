"""Worked examples for contributors: small, complete modules built on the same API as
`handlers/`, each with its story test under `tests/stories/`. Nothing in the assistant
imports them."""
