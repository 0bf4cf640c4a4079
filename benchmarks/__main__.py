"""``make bench``: every benchmark, each reporting ratios measured side by side in one run."""

from benchmarks import code_mode, event_store, load, streaming


def main() -> None:
    event_store.main()
    streaming.main()
    code_mode.main()
    load.main([])  # the capacity load harness, full mode (several minutes; `python -m benchmarks.load --help`)


if __name__ == "__main__":
    main()
