"""The learner's workspace (issue 10): what the learner pages and the `arena` client show of
the published catalog, drafts, bookmarks, history, progress and leaderboards."""
