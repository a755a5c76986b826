"""The bare baselines the benchmarks compare against: plain Flask, no extensions.

`GET /json` answers a counter-sized JSON document; `POST /update` adds one to a row of
`bench_baseline` and commits, on one psycopg connection per worker (opened after the fork).
"""

import os

import psycopg
from flask import Flask, jsonify

app = Flask(__name__)
_connection = None


def connection():
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection = psycopg.connect(url)
    return _connection


@app.get("/json")
def bare_json():
    return jsonify(campaign="reclaim-your-face", total=351140, goal=1000000,
                   countries_over_threshold=6, updated_at="2026-04-20T18:00:00Z")


@app.post("/update")
def bare_update():
    db = connection()
    with db.cursor() as cursor:
        cursor.execute("UPDATE bench_baseline SET n = n + 1 WHERE id = 1")
    db.commit()
    return jsonify(ok=True), 201
