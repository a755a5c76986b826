"""Every domain's models, imported in one place so metadata and migrations see them all."""

from coalition.audit.models import AuditEntry
from coalition.auth.models import OAuthClient, OAuthToken
from coalition.campaigns.models import Campaign
from coalition.db import Base
from coalition.organizations.models import Organization
from coalition.outbox import OutboxEvent
from coalition.outreach.models import OutreachAction

metadata = Base.metadata

__all__ = ["AuditEntry", "Campaign", "OAuthClient", "OAuthToken", "Organization", "OutboxEvent",
           "OutreachAction", "metadata"]
