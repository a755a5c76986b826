"""Hub-to-hub federation (DESIGN §7.4): snapshots received from hubs below, pushed to hubs above."""
