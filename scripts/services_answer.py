"""Exit 0 when the PostgreSQL and Redis URLs given on the command line both answer."""

import sys

import psycopg
import redis

from coalition.config import normalise_database_url

database_url, redis_url = sys.argv[1], sys.argv[2]
try:
    dsn = normalise_database_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, connect_timeout=3) as connection:
        connection.execute("SELECT 1")
    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
except Exception as error:  # any failure means "not available"; say which
    print(f"  ({type(error).__name__}: {error})".splitlines()[0], file=sys.stderr)
    sys.exit(1)
