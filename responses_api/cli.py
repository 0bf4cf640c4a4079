"""``ml-intern-api serve``: run the server."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

# Open requests (streams that did not end with their turn, sync waits) get this long after the turns stopped.
GRACEFUL_SHUTDOWN_SECONDS = 10


def _isolate_huggingface_hub() -> None:
    # huggingface_hub reads these once, at import: the server must never pick up a machine-wide token,
    # endpoint or cache, and sends no telemetry.
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="ml-intern-hf-home-")
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT"):
        os.environ.pop(name, None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ml-intern-api", description="The ML Intern API server.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="Serve /v1 and /mcp.")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    _isolate_huggingface_hub()
    from agent.log_context import configure_logging
    from agent.settings import Settings
    from responses_api.app import create_app

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    apply_process_settings(settings)
    run_server(create_app(settings), host=args.host, port=args.port, log_level=settings.log_level,
               access_log=settings.access_log, log_config=None,
               timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)


def apply_process_settings(settings) -> None:
    """What the settings fix for the whole process (not for an app embedded in another one)."""
    import gc

    sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, settings.gc_full_collection_every)


def run_server(app, **config) -> None:
    import gc

    import uvicorn

    class DrainingServer(uvicorn.Server):
        """On SIGTERM/SIGINT: stop accepting, then stop this replica's turns (each recorded incomplete /
        server_restart and announced to its open streams, which then end), then uvicorn's own graceful shutdown —
        instead of cutting streams at the graceful timeout and only then recording the turns."""

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            # Everything alive now (modules, the app, pools) lives as long as the process: keep it out of the
            # cyclic collector's full passes, which otherwise stall every stream for 50-130 ms at 100 streams.
            gc.collect()
            gc.freeze()

        async def shutdown(self, sockets=None) -> None:
            for server in self.servers:
                server.close()
            service = getattr(app.state, "service", None)
            if service is not None:
                await service.drain()
            await super().shutdown(sockets)

    DrainingServer(uvicorn.Config(app, **config)).run()


if __name__ == "__main__":
    main()
