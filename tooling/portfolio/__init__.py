"""A large, realistic portfolio for measuring Stagegate at scale (``manage.py generate_portfolio``).

Not the demo (``tooling.demo`` goes through the services one object at a time and stays small):
this writes tens of thousands of rows per table at once, shaped like a delivery organisation's
real book of work — a few large clients and many small ones, most projects early in the
pipeline, many regulated ones in the client's own cloud, per-project grants stored exactly as
``project_access_grant`` stores them, and an audit trail to match.

Rows are written set-based (``writer``): ids are drawn from the tables' own sequences and the
rows streamed with ``COPY`` on PostgreSQL (batched ``INSERT`` elsewhere), so the default
portfolio of about a million rows loads in a minute or two and the timestamps are the generated
ones, not "now". A sample of projects then goes through the real estimate and assessment
services, so their pages show stored results.

Deterministic: the same seed and the same ``now`` give the same portfolio (ids aside).

- ``generate``: what to make (``PortfolioSpec``), the entry point and the order of the steps;
- ``people``: clients, people, roles, approval policies and freezes;
- ``history``: stage history, approval requests and decisions, per-project grants, the audit log;
- ``shapes``: the words and distributions each row is drawn from;
- ``writer``: the set-based writes.
"""

from tooling.portfolio.generate import DEFAULT_PASSWORD, GeneratedPortfolio, PortfolioSpec, portfolio_generate

__all__ = ["DEFAULT_PASSWORD", "GeneratedPortfolio", "PortfolioSpec", "portfolio_generate"]
