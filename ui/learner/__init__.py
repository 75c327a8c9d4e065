"""The learner's area of the console: problems, the editor, live results, history, progress."""
