"""Outreach actions: what member organizations did to reach people, in places and numbers."""
