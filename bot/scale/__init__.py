"""Running as several workers: shared send budgets and flood control (`limits`), the one
scheduler (`leader`), and waiting for the servers at start-up (`startup`)."""
