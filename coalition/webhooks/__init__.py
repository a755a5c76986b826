"""Webhooks: subscriptions of organizations, and signed delivery of outbox events to them."""
