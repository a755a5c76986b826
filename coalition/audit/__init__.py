"""The audit log: who changed what, when, with which answer."""
