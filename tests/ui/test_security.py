"""Every console response forbids other hosts and framing; the action socket refuses
other origins."""

from __future__ import annotations

from nicegui.testing.user import User as SimulatedUser

from ui.security import CONTENT_SECURITY_POLICY, MAX_BODY_BYTES, bounded


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


async def test_a_body_larger_than_the_largest_upload_is_refused_before_it_is_read(
    visitor: SimulatedUser,
) -> None:
    path = "/_nicegui/client/nobody/upload/1"
    too_large = await visitor.http_client.post(path, content=b"x" * (MAX_BODY_BYTES + 1))
    assert too_large.status_code == 413
    small = await visitor.http_client.post(path, content=b"x" * 1024)
    assert small.status_code != 413


async def test_a_body_sent_without_a_length_is_cut_off_once_it_passes_the_limit() -> None:
    chunk = {"type": "http.request", "body": b"x" * 65536, "more_body": True}
    within = MAX_BODY_BYTES // 65536
    chunks = iter([chunk] * (within + 2))

    async def receive() -> dict[str, object]:
        return next(chunks)

    limited = bounded(receive)
    seen = [await limited() for _ in range(within + 2)]
    assert seen[:within] == [chunk] * within
    assert seen[-1] == {"type": "http.disconnect"}
