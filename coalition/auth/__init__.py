"""The OAuth 2.0 authorization server and the protection of API routes."""
