"""ohjaustaulu: an operational control board for Finnish health stations.

Data flows one way: connectors -> collector -> store -> views -> pages.
``board.domain`` is pure Python (no Streamlit, no SQLAlchemy) so the rules a
nurse relies on (status, NPS, day boundaries) are testable on their own.
"""

__version__ = "0.1.0"
