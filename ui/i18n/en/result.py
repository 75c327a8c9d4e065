"""English strings of the learner's result panel."""

MESSAGES: dict[str, str] = {
    "result.mutant": "mutant {number}",
    "result.title": "Result",
    "result.attempts": "All my attempts",
    "result.not_found": "There is no result {id} for you.",
    "result.unavailable": (
        "The result cannot be read right now (the database does not answer). It appears here"
        " as soon as it can."
    ),
    "result.status_pending": "Queued",
    "result.status_running": "Being judged",
    "result.status_success": "Judged",
    "result.status_failure": "Failed",
    "result.status_error": "Appliance error",
    "result.queued": "Queued: waiting for a free judge. This page updates by itself.",
    "result.judging": (
        "Being judged: your suite runs on the correct code and on every mutant. This page"
        " updates by itself."
    ),
    "result.done": "Judging is finished.",
    "result.working": "Working",
    "result.problem": "{problem} v{version}",
    "result.submitted_at": "Submitted {moment}",
    "result.rejudge": "A rejudge of an earlier submission",
    "result.score": "Score {score} / 100",
    "result.explained": (
        "You killed {killed} of {total} weight ({killed_count} of {total_count} mutants):"
        " 30 + 70 × {killed} / {total} = {score}"  # noqa: RUF001 - the sign is meant
    ),
    "result.rule": (
        "A suite that passes on the correct code earns 30 points; the mutants it kills earn"
        " up to 70 more, in proportion to their weight (rounded down)."
    ),
    "result.reason_unknown": "Your suite earned nothing.",
    "result.reason_golden_failed": "Your suite fails on the correct code.",
    "result.reason_golden_timeout": "Your suite ran out of time on the correct code.",
    "result.reason_no_tests": "pytest found no tests in your suite.",
    "result.reason_collection_error": "pytest could not load your suite.",
    "result.reason_syntax_error": "Your suite is not valid Python.",
    "result.reason_flaky": "Your suite passed on the correct code in one run and failed in another.",
    "result.reason_introspection": (
        "Your suite looked inside the code under test instead of calling it."
    ),
    "result.reason_too_large": "Your suite is larger than the appliance accepts.",
    "result.next_golden_failed": (
        "A test expects something the statement does not say. Read the failing test's message"
        " below, check its expected value against the statement and the examples, then fix or"
        " remove that test and submit again."
    ),
    "result.next_golden_timeout": (
        "Look for a loop that never ends, a sleep or a very large input, make every test quick,"
        " and submit again."
    ),
    "result.next_no_tests": (
        "Name your test functions test_... (at module level, or in a class named Test...) and"
        " import the function under test with from target import ..., then submit again."
    ),
    "result.next_collection_error": (
        "Read pytest's output below: usually an import of a module that is not there, a wrong"
        " name after from target import, or an error at module level. Fix it and submit again."
    ),
    "result.next_syntax_error": (
        "pytest's output below names the line. Fix the syntax and submit again."
    ),
    "result.next_flaky": (
        "Remove what changes between runs: random values without a seed, the clock, the order"
        " of tests, or files another test leaves behind. Then submit again."
    ),
    "result.next_introspection": (
        "Do not read the function's source, bytecode or internals, and do not behave"
        " differently on an equivalent copy of it: call it and check what it returns or"
        " raises. Then submit again."
    ),
    "result.next_too_large": "Remove repeated or generated tests and submit a shorter suite.",
    "result.error": (
        "The appliance failed to judge this submission. This is not a problem with your suite."
    ),
    "result.error_next": (
        "Judging is retried automatically a few times before this is shown. Submit the same"
        " suite again later; if it keeps failing, tell your administrator."
    ),
    "result.error_detail": "What went wrong: {detail}",
    "result.mutants": "Mutants",
    "result.col_mutant": "Mutant",
    "result.col_verdict": "Verdict",
    "result.col_weight": "Weight",
    "result.col_hint": "Hint",
    "result.col_test": "Test",
    "result.verdict_passed": "passed",
    "result.verdict_failed": "failed",
    "result.verdict_error": "error",
    "result.verdict_timeout": "timed out (counts as killed)",
    "result.verdict_no_tests": "no tests",
    "result.verdict_killed": "killed",
    "result.verdict_survived": "survived",
    "result.outcome_passed": "passed",
    "result.outcome_failed": "failed",
    "result.outcome_error": "error",
    "result.outcome_skipped": "skipped",
    "result.matrix": "Kill matrix",
    "result.matrix_legend": "{mark} marks a test that killed the mutant of its column.",
    "result.golden": "On the correct code",
    "result.golden_summary": "{verdict}: {tests} tests, {failing} failing.",
    "result.refused": "Refused to your suite: {detail}",
    "result.output": "What pytest printed",
    "result.truncated": "(cut short: the output was longer)",
    "result.feedback": "AI feedback",
    "result.feedback_offer": "A language model can comment on your suite: what it checks well and which behaviour it may miss. It sees only what you see; your score does not change.",
    "result.feedback_ask": "Get AI feedback",
    "result.feedback_retry": "Ask again",
    "result.feedback_pending": "The feedback is being written. It appears here by itself.",
    "result.feedback_model": "Written by the model {model}. AI feedback can be wrong: check it against the statement.",
    "result.feedback_score_unchanged": "Feedback never changes your score.",
    "result.feedback_refused": "The feedback was withheld because it would have revealed hidden code. Use the hints above instead.",
    "result.feedback_failed": "The feedback could not be written just now.",
    "result.feedback_failed_timeout": "The feedback model did not answer in time.",
    "result.feedback_failed_unreachable": "The feedback model could not be reached.",
    "result.feedback_failed_empty": "The feedback model gave an empty answer.",
    "result.feedback_failed_queue": "The feedback could not be queued just now.",
    "result.feedback_unavailable": "AI feedback is not offered right now.",
    "result.feedback_not_offered": "AI feedback is not offered for this submission.",
    "result.feedback_rate_limited": "You have asked for feedback often in the last hour. You can ask again in about {minutes} min.",
}
