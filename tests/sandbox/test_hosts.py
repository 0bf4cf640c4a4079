"""The network rule for the sandbox: the caller's token goes to Hugging Face hosts and to the host of this caller's
own sandbox only; a crafted Space id or URL cannot move it elsewhere."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from agent.hf_hosts import HfOnlyBearerAuth, SpaceHostAuth, space_subdomain, space_url
from agent.hub_ids import InvalidHubName
from agent.settings import Settings

TOKEN = "hf_secret_token"


def settings(**values) -> Settings:
    return Settings(database_url="sqlite://", **values)


def sent_authorization(auth: httpx.Auth, url: str) -> str | None:
    request = httpx.Request("GET", url)
    return next(auth.sync_auth_flow(request)).headers.get("authorization")


def test_space_hosts_follow_the_hubs_naming():
    assert space_subdomain("alice/My_Box.v2") == "alice-my-box-v2"
    assert str(space_url(settings(), "alice/ml-intern-sandbox-1")) == "https://alice-ml-intern-sandbox-1.hf.space"
    local = settings(spaces_url_template="http://127.0.0.1:9350/spaces-host/{subdomain}")
    assert str(space_url(local, "acme/box")) == "http://127.0.0.1:9350/spaces-host/acme-box"


@pytest.mark.parametrize("crafted", [
    "alice/box.evil.com/x", "alice/box@evil.com", "alice/box:443", "evil.com#/alice/box", "alice/box?x=.evil.com",
    "alice/../box", "alice/box%2f..", "alice\\box", "box", "alice/box/", "https://evil.com/alice/box", "alice/box\n",
    "alice/.box", "alice/box-",
])
def test_a_crafted_space_id_never_becomes_another_host(crafted):
    try:
        url = space_url(settings(), crafted)
    except InvalidHubName:
        return
    # What the grammar lets through is one DNS label under hf.space, nothing more.
    assert url.host.endswith(".hf.space") and url.host.count(".") == 2 and url.path in ("", "/"), url
    assert not url.query and url.port is None


def test_dots_in_a_space_name_stay_inside_its_label():
    url = space_url(settings(), "alice/box.evil.com")
    assert url.host == "alice-box-evil-com.hf.space"


def test_the_sandbox_auth_sends_the_token_to_its_own_host_only():
    base = space_url(settings(), "alice/box")
    auth = SpaceHostAuth(TOKEN, base)
    assert sent_authorization(auth, "https://alice-box.hf.space/exec") == f"Bearer {TOKEN}"
    for elsewhere in ("https://alice-box2.hf.space/exec", "http://alice-box.hf.space/exec",
                      "https://alice-box.hf.space:8443/exec", "https://evil.com/exec", "https://huggingface.co/api",
                      "https://alice-box.hf.space.evil.com/exec"):
        assert sent_authorization(auth, elsewhere) is None, elsewhere
    # On loopback, the path prefix is the sandbox: a sibling Space on the same host gets nothing.
    local = space_url(settings(spaces_url_template="http://127.0.0.1:9350/spaces-host/{subdomain}"), "alice/box")
    auth = SpaceHostAuth(TOKEN, local)
    assert sent_authorization(auth, "http://127.0.0.1:9350/spaces-host/alice-box/exec") == f"Bearer {TOKEN}"
    for elsewhere in ("http://127.0.0.1:9350/spaces-host/alice-box2/exec", "http://127.0.0.1:9350/api/whoami-v2",
                      "http://127.0.0.1:9351/spaces-host/alice-box/exec"):
        assert sent_authorization(auth, elsewhere) is None, elsewhere


def test_spaces_hosts_are_not_hugging_face_api_hosts():
    # The Hub client never sends the token to a Space's host: only the sandbox client does, to its own.
    auth = HfOnlyBearerAuth(TOKEN, settings())
    assert sent_authorization(auth, "https://alice-box.hf.space/exec") is None
    assert sent_authorization(auth, "https://huggingface.co/api/whoami-v2") == f"Bearer {TOKEN}"


@pytest.mark.parametrize("template", [
    "https://hf.space", "https://{subdomain}.hf.space/{subdomain}", "ftp://{subdomain}.hf.space",
    "https://x{subdomain}.hf.space", "https://{subdomain}.hf.space?x=1", "https://{subdomain}.hf.space/{other}",
    "https://evil.com/x{subdomain}", "{subdomain}",
])
def test_the_spaces_template_is_checked_at_start(template):
    with pytest.raises(ValidationError):
        settings(spaces_url_template=template)


async def test_a_redirect_from_the_sandbox_is_not_followed(emulator):
    """A sandbox answering 307 to elsewhere: refused, and the token never leaves."""
    from tests.sandbox.context import Session, sandbox_context
    from agent.tools.sandbox.client import SandboxClient
    from agent.tools.base import ToolFailure

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"location": "https://evil.example/steal"})

    async with sandbox_context(emulator, Session()) as (ctx, _):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=True) as mock:
            ctx.http = ctx.http.__class__(mock, ctx.http._auth)
            with pytest.raises(ToolFailure, match="redirect"):
                await SandboxClient(ctx, "alice/box").call("GET", "list")
    assert [str(r.url.host) for r in seen] == ["127.0.0.1"]
