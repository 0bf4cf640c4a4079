"""The template a sandbox Space is built from: real files shipped in this package (``template/``), plus the Python
packages the agent asked to preinstall (``user-requirements.txt``)."""

from __future__ import annotations

from importlib import resources

TEMPLATE_FILES = ("Dockerfile", "README.md", "requirements.txt", "server.py")
PACKAGES_FILE = "user-requirements.txt"


def template_files(packages: list[str]) -> dict[str, bytes]:
    """Path in the Space repo -> content."""
    root = resources.files("agent.tools.sandbox").joinpath("template")
    files = {name: root.joinpath(name).read_bytes() for name in TEMPLATE_FILES}
    files[PACKAGES_FILE] = "".join(f"{package}\n" for package in packages).encode()
    return files
