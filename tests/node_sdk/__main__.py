"""``python -m tests.node_sdk``: install openai-node into the repository's cache (``make node-sdk``)."""

import sys

from tests.node_sdk import OPENAI_NODE_VERSION, Unavailable, ensure_installed

try:
    print(f"openai-node {OPENAI_NODE_VERSION} in {ensure_installed()}")
except Unavailable as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
