"""Tooling around the product, not part of its domain: generated data for benchmarks and demos.

- ``portfolio``: a large generated portfolio for ``make bench`` (``manage.py generate_portfolio``);
- ``demo``: the small demo portfolio ``make run`` loads (``manage.py seed_demo``);
- ``take_screenshots``: the README's screenshots from the running product with the demo data.

It sits above the domain apps and uses their models and services; nothing in the product imports
it. Development and tests install it; production settings leave it out (``TOOLING_INSTALLED``),
because its commands write published passwords and bulk rows no real database should get.
"""
