"""`make bench`: the performance harness (DESIGN §6). Run `python -m scripts.bench --help`."""
