"""SQL of the workers' heartbeats."""

from __future__ import annotations

from appliance.db import Connection, Row


def beat(
    conn: Connection, name: str, hostname: str, pid: int, docker_ok: bool, image_id: str | None
) -> None:
    conn.execute(
        "INSERT INTO workers (name, hostname, pid, docker_ok, judge_image_id)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(),"
        " docker_ok = EXCLUDED.docker_ok, judge_image_id = EXCLUDED.judge_image_id",
        (name, hostname, pid, docker_ok, image_id),
    )


def instance_id(conn: Connection) -> str:
    row = conn.execute("SELECT id FROM appliance_instance").fetchone()
    assert row is not None  # migration 0015 inserts the only row
    return str(row["id"])


def forget(conn: Connection, name: str) -> None:
    conn.execute("DELETE FROM workers WHERE name = %s", (name,))


def live_workers(conn: Connection, dead_after_s: float) -> list[Row]:
    return conn.execute(
        "SELECT name, hostname, pid, started_at, heartbeat_at, docker_ok, judge_image_id"
        " FROM workers WHERE heartbeat_at > now() - make_interval(secs => %s) ORDER BY name",
        (dead_after_s,),
    ).fetchall()


def forget_dead(conn: Connection, older_than_s: float) -> None:
    conn.execute(
        "DELETE FROM workers WHERE heartbeat_at < now() - make_interval(secs => %s)",
        (older_than_s,),
    )
