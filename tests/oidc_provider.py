"""A small OpenID Connect provider the tests run themselves: discovery, JWKS, an authorization
endpoint that signs in whoever the test names at once, and a token endpoint answering an ID
token signed with RS256. Served by a thread on a free port."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server


@dataclass
class Account:
    email: str
    email_verified: bool = True
    sub: str = field(default_factory=lambda: secrets.token_hex(8))


class Provider:
    def __init__(self, client_id: str = "coalition", client_secret: str = "provider-secret") -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "alg": "RS256", "use": "sig"})
        self.account: Account | None = None
        self.codes: dict[str, dict] = {}
        self.user_agents: dict[str, set[str]] = {}  # path → the User-Agents that asked for it
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def _make_app(self) -> Flask:
        app = Flask("oidc-provider")

        @app.before_request
        def note_user_agent():
            self.user_agents.setdefault(request.path, set()).add(request.headers.get("User-Agent", ""))

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                            "response_types_supported": ["code"], "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "code_challenge_methods_supported": ["S256"]})

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": request.args.get("nonce"), "account": self.account,
                                "challenge": request.args.get("code_challenge")}
            return redirect(f"{request.args['redirect_uri']}?code={code}&state={request.args['state']}")

        @app.post("/token")
        def token():
            if request.authorization is None or (request.authorization.username, request.authorization.password) \
                    != (self.client_id, self.client_secret):
                return jsonify({"error": "invalid_client"}), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None or not request.form.get("code_verifier"):
                return jsonify({"error": "invalid_grant"}), 400
            account = grant["account"]
            now = int(time.time())
            claims = {"iss": self.issuer, "sub": account.sub, "aud": self.client_id, "iat": now,
                      "exp": now + 300, "nonce": grant["nonce"], "email": account.email,
                      "email_verified": account.email_verified}
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
            return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                            "expires_in": 300, "id_token": id_token})

        return app
