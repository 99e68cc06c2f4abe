"""Performance benchmarks (`make bench`): each module's `run()` prints its figures and ratios."""
