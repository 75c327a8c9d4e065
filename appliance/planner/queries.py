"""SQL of the planner: what the registry holds, as a plan names it, and the samples of a
planned run to queue. The published problems and the champion's version are read through
the models' and evaluations' queries."""

from __future__ import annotations

from appliance.db import Connection, Row


def endpoints(conn: Connection) -> list[Row]:
    """Every endpoint by name: its current version's number and all its numbers."""
    return conn.execute(
        "SELECT e.name, c.number AS current, array_agg(v.number ORDER BY v.number) AS numbers"
        " FROM model_endpoints e JOIN model_versions c ON c.id = e.current_version_id"
        " JOIN model_versions v ON v.endpoint_id = e.id GROUP BY e.name, c.number ORDER BY e.name"
    ).fetchall()


def sample_ids(conn: Connection, run_id: int) -> list[int]:
    """The run's samples still waiting to be taken, in order."""
    rows = conn.execute(
        "SELECT id FROM evaluation_samples WHERE run_id = %s AND status = 'PENDING' ORDER BY id",
        (run_id,),
    ).fetchall()
    return [row["id"] for row in rows]
