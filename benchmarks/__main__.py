"""``make bench``: every benchmark, each reporting ratios measured side by side in one run."""

from benchmarks import code_mode, event_store, streaming


def main() -> None:
    event_store.main()
    streaming.main()
    code_mode.main()


if __name__ == "__main__":
    main()
