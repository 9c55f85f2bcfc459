from django import template

register = template.Library()


@register.filter
def words(value):
    """A stored code as words: ``proof_of_concept`` → ``proof of concept``."""
    return str(value or "").replace("_", " ")
