"""The demo world of `o2o seed demo`: Fuzhou Mawei merchants, stores and deals as plain
data (`demo_data`) and the idempotent loading of it (`seed`), plus the data files that
ship with it (`data/`: the Fuzhou gazetteer that `services.catalog.places` imports)."""
