"""What an API token is made of: only the digest of its secret is ever stored or compared."""

import hashlib


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
