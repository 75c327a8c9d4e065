"""The evaluation planner (issue 11, item 8): a sentence becomes a checked evaluation plan."""
