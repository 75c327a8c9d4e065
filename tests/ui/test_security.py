"""Every console response forbids other hosts and framing; the action socket refuses
other origins."""

from __future__ import annotations

from nicegui.testing.user import User as SimulatedUser

from ui.security import CONTENT_SECURITY_POLICY


async def test_pages_allow_only_this_host_and_no_framing(visitor: SimulatedUser) -> None:
    response = await visitor.http_client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_action_socket_refuses_a_page_of_another_site(visitor: SimulatedUser) -> None:
    path = "/_nicegui_ws/socket.io/?EIO=4&transport=polling"
    foreign = await visitor.http_client.get(path, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    own = await visitor.http_client.get(path, headers={"Origin": "http://test"})
    assert own.status_code != 403
