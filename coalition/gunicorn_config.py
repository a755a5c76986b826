"""gunicorn's settings, read by the Procfile's `web` and the README's command
(`-c python:coalition.gunicorn_config`): a module of the package, so an installed package serves
from any working directory.

Everything a platform sets stays an environment variable: PORT, WEB_CONCURRENCY.
"""

import logging
import os
import sys

from gunicorn.glogging import Logger

from coalition.logsafe import SafeLogFilter

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers spread keep-alive load best on small machines; no control socket under ~/.gunicorn.
# gunicorn answers requests it cannot parse itself: these sync workers make those answers problems.
worker_class = "coalition.gunicorn_workers.ProblemSyncWorker"
control_socket_disable = True
accesslog = "-"
# No client address in the access log: time, request line, status, size, duration.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


class SafeLogger(Logger):
    """gunicorn's logger, with every line of its error and access logs, and of the app's own
    logging, passed through SafeLogFilter: "Invalid request from ip=…" keeps only the network,
    and CR/LF from a request cannot forge a line."""

    def setup(self, cfg):
        super().setup(cfg)
        root = logging.getLogger()
        if not root.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter(self.error_fmt, self.datefmt))
            root.addHandler(handler)
        for log in (self.error_log, self.access_log, root):
            for handler in log.handlers:
                if not any(isinstance(f, SafeLogFilter) for f in handler.filters):
                    handler.addFilter(SafeLogFilter())


logger_class = SafeLogger
