"""The audit trail: every admin action, who did it, when and from where."""
