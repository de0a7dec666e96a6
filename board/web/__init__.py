"""Presentation helpers shared by the Streamlit pages.

``wall_html`` and ``icons`` are pure functions (HTML strings) so they can be
tested without a browser; ``streamlit_support`` holds the Streamlit-specific
caching of settings, store and views.
"""
