"""Unit tests: pure functions and checks that need no database and no process (money,
codes, hours, the parser, configuration, translations, the layering rules)."""
