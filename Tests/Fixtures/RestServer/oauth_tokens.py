"""An OAuth 2.0 token endpoint for rest_server.py (RFC 6749 4.4 and 6), with tokens that expire
deterministically: after a number of uses, counted by the server, never by a clock.

A route with ``"oauth_token"`` is a token endpoint::

    {"method": "POST", "path": "/oauth/token",
     "oauth_token": {"client_id": "etl", "client_secret": "s3cret",   # the client's credentials
                     "client_auth": "basic",          # basic | body | any (default any)
                     "grant": "client_credentials",   # or refresh_token
                     "refresh_token": "r-1",          # the refresh token it accepts (grant refresh_token)
                     "rotate": false,                 # hand out a new refresh token with each access token
                     "expires_in": 3600,              # the lifetime announced (omitted when null)
                     "uses": 3}}                      # requests each access token is good for (default: no limit)

It answers ``{"access_token": "at-<n>", "token_type": "Bearer", "expires_in": ...}`` (n counts from 1
over the server's life) or an RFC 6749 5.2 refusal: 401 ``invalid_client`` for wrong client
credentials, 400 ``invalid_grant`` for a wrong refresh token, 400 ``unsupported_grant_type``.

A route with ``"require_oauth": true`` wants ``Authorization: Bearer <a token this endpoint issued>``
that has uses left; each request spends one; otherwise 401 ``invalid_token``.

Callers hold rest_server's lock.
"""
import base64
from urllib.parse import parse_qs, unquote_plus

TOKENS = {}          # access token -> uses left (None: no limit)
ISSUED = [0]         # tokens issued so far
REFRESH = {}         # id(config) -> the refresh token currently accepted


def refusal(status, code, description):
    return status, {"error": code, "error_description": description}


def client_credentials(config, headers, form):
    """(client_id, client_secret) as sent, by HTTP basic (RFC 6749 2.3.1) or in the body; None."""
    mode = config.get("client_auth", "any")
    header = headers.get("Authorization") or ""
    if header.startswith("Basic ") and mode in ("basic", "any"):
        try:
            pair = base64.b64decode(header[6:]).decode()
        except ValueError:
            return None
        name, _, secret = pair.partition(":")
        return unquote_plus(name), unquote_plus(secret)
    if "client_id" in form and mode in ("body", "any"):
        return form["client_id"][0], form.get("client_secret", [None])[0]
    return None


def issue(config, headers, raw_body):
    """Answers a token request: (status, JSON object)."""
    form = parse_qs(raw_body.decode(), keep_blank_values=True)
    credentials = client_credentials(config, headers, form)
    expected_secret = config.get("client_secret")
    if credentials is None or credentials[0] != config["client_id"] or credentials[1] != expected_secret:
        return refusal(401, "invalid_client", "Client authentication failed")
    grant = form.get("grant_type", [None])[0]
    if grant != config.get("grant", "client_credentials"):
        return refusal(400, "unsupported_grant_type", "grant_type %s is not accepted here" % grant)
    key = id(config)
    if grant == "refresh_token":
        accepted = REFRESH.get(key, config.get("refresh_token"))
        if form.get("refresh_token", [None])[0] != accepted:
            return refusal(400, "invalid_grant", "The refresh token is invalid or expired")
    ISSUED[0] += 1
    token = "at-%d" % ISSUED[0]
    TOKENS[token] = config.get("uses")
    answer = {"access_token": token, "token_type": "Bearer"}
    if config.get("expires_in") is not None:
        answer["expires_in"] = config["expires_in"]
    if grant == "refresh_token" and config.get("rotate"):
        fresh = "rt-%d" % ISSUED[0]
        REFRESH[key] = fresh
        answer["refresh_token"] = fresh
    return 200, answer


def accept(header):
    """Whether ``Authorization: <header>`` carries a live token; spends one use."""
    if not header or not header.startswith("Bearer "):
        return False
    token = header[7:]
    if token not in TOKENS:
        return False
    left = TOKENS[token]
    if left is None:
        return True
    if left <= 0:
        return False
    TOKENS[token] = left - 1
    return True
