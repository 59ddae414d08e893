"""Shared worlds and drivers for the tests: a small shop for the checkout stories and
the child process the outbox crash tests kill."""
