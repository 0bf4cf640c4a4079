"""The caller's Hugging Face token, found the way the Hugging Face CLI finds it (never from the command line: a
token in argv lands in shell history and ``ps``)."""

from __future__ import annotations

import os

from ml_intern_cli.exit_codes import CliError, ExitCode

MISSING_TOKEN = ("No Hugging Face token found. Log in with `hf auth login` (the token is stored by huggingface_hub), "
                 "or set the HF_TOKEN environment variable.")


def resolve_token() -> str:
    """``HF_TOKEN``, else the token ``huggingface_hub`` has stored (``hf auth login``), else a CliError."""
    token = os.environ.get("HF_TOKEN", "").strip()
    if token:
        return token
    # Imported here: it reads HF_HOME at import, and commands that fail earlier need not pay for it.
    from huggingface_hub import get_token

    try:
        token = (get_token() or "").strip()
    except Exception as exc:  # e.g. an OIDC exchange that was asked for (HF_OIDC_RESOURCE) and failed
        raise CliError(f"Could not read the Hugging Face token: {exc}", ExitCode.AUTH) from None
    if not token:
        raise CliError(MISSING_TOKEN, ExitCode.AUTH)
    return token
