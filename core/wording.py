"""How the product's sentences join words, the same on every page and in every notification."""


def listed(words) -> str:
    """``a``, ``a and b``, ``a, b and c``; blank for none."""
    words = [str(word) for word in words]
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)
