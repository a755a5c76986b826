"""Campaigns, signature reports, tallies, ECI thresholds, the public counter and progress."""
