from django import template

register = template.Library()


@register.filter
def words(value):
    """A stored code as words: ``proof_of_concept`` → ``proof of concept``."""
    return str(value or "").replace("_", " ")


@register.filter
def usd(value, places=0):
    """Money as ``USD 12,345`` (``places`` decimals); blank values as a dash."""
    if value is None or value == "":
        return "—"
    return f"USD {float(value):,.{int(places)}f}"
