"""`python -m benchmarks.push ...`: the benchmark's command line (its children start this
way)."""

from benchmarks.push import main

if __name__ == "__main__":
    main()
