"""Member organizations of the coalition and their roles."""
