"""Crash tests: a bounded, randomized kill -9 loop against the real server (``python -m chaos``, ``make chaos``).

Not a unit test and not a benchmark: it starts the emulator and the server as processes, kills the server with
SIGKILL while clients stream, restarts it on the same database and checks what the clients received against the
replay of the event log. ``tests/chaos_smoke`` runs a short version in the normal suite.
"""
