"""Pure domain: stations, metrics, thresholds, KPIs and Helsinki time.

Nothing in this package imports Streamlit, SQLAlchemy or a connector.
"""
