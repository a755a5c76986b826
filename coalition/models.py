"""Every domain's models, imported in one place so metadata and migrations see them all."""

from coalition.auth.models import OAuthClient, OAuthToken
from coalition.campaigns.models import Campaign
from coalition.db import Base
from coalition.metrics.models import ExportJob
from coalition.organizations.models import Organization
from coalition.outbox import OutboxEvent

metadata = Base.metadata

__all__ = ["Campaign", "ExportJob", "OAuthClient", "OAuthToken", "Organization", "OutboxEvent", "metadata"]
