"""AI feedback for learners (issue 11 item 7): the model the `feedback-champion` alias names
tells a learner which kinds of input their finished suite misses, from the survivors' hints
and the suite itself; never from, nor quoting, hidden code."""
