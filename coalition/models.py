"""Every domain's models, imported in one place so metadata and migrations see them all."""

from coalition import outbox as _outbox  # noqa: F401
from coalition.audit import models as _audit  # noqa: F401
from coalition.auth import models as _auth  # noqa: F401
from coalition.campaigns import models as _campaigns  # noqa: F401
from coalition.db import Base
from coalition.federation import models as _federation  # noqa: F401
from coalition.materials import models as _materials  # noqa: F401
from coalition.metrics import models as _metrics  # noqa: F401
from coalition.organizations import models as _organizations  # noqa: F401
from coalition.outreach import models as _outreach  # noqa: F401
from coalition.people import models as _people  # noqa: F401
from coalition.sources import models as _sources  # noqa: F401
from coalition.webhooks import models as _webhooks  # noqa: F401

metadata = Base.metadata
