"""gunicorn settings shared by scripts/run and the Procfile (read from the working directory)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
# No client address and no user in the access log: the people this serves fight surveillance.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
