"""HTTP edge of AI feedback: a learner asks for feedback on their finished submission and
reads it back (an admin may read anyone's). The console calls the same service in-process."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get, post
from litestar.status_codes import HTTP_202_ACCEPTED

from appliance import ratelimit
from appliance.feedback import service
from appliance.feedback.service import FeedbackView
from appliance.injected import Broker, CurrentUser, Db
from appliance.responses import errors
from appliance.submissions.routes import SubmissionIdPath
from appliance.vocabulary import FeedbackStatus


class Feedback(msgspec.Struct):
    """`status`: pending (being written), ready (`text` holds it), refused (withheld: it
    quoted hidden code), failed (the model was down or timed out: asking again retries),
    unavailable (no model is the feedback champion), not_requested. `reason` says why a
    refused, failed or unavailable one has no text. Feedback never changes the score."""

    submission_id: str
    status: FeedbackStatus
    text: str | None
    reason: str | None
    model: str | None
    requested_at: datetime | None
    finished_at: datetime | None


def _body(view: FeedbackView) -> Feedback:
    return msgspec.convert(view, Feedback, from_attributes=True)


@post(
    "/api/v1/submissions/{submission_id:str}/feedback",
    status_code=HTTP_202_ACCEPTED,
    sync_to_thread=True,
    responses=errors(400, 401, 404, 409, 429),
)
def request_feedback(
    submission_id: SubmissionIdPath, user: CurrentUser, conn: Db, broker: Broker
) -> Feedback:
    """Ask the feedback champion for feedback on your own finished submission (SUCCESS or
    FAILURE; 409 otherwise). Cached: the same suite on the same problem version is written
    once. At most 10 requests that reach the model per hour (429 with Retry-After)."""
    return _body(service.request(conn, broker, user, submission_id, ratelimit.clock()))


@get(
    "/api/v1/submissions/{submission_id:str}/feedback",
    sync_to_thread=True,
    responses=errors(400, 401, 404),
)
def read_feedback(submission_id: SubmissionIdPath, user: CurrentUser, conn: Db) -> Feedback:
    """The submission's feedback and its status."""
    return _body(service.view(conn, user, submission_id))


handlers = [request_feedback, read_feedback]
