"""Presentation for the Streamlit pages: markup, the stylesheet and palette, and the parts each page draws.

``*_html`` modules, ``icons`` and ``kiosk`` are pure functions (HTML strings,
decisions) so they can be tested without a browser; ``style`` and ``palette``
hold every colour and every line of CSS; ``*_page``, ``week_support`` and
``week_charts`` draw a page's parts; ``streamlit_support`` holds the
Streamlit-specific caching of settings, store and what the pages read.
"""
