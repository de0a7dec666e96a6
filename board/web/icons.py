"""Status icons: each status has its own shape, so it reads without colour
(a check in a circle, a triangle, an octagon, a clock, a lock, a question
mark, a dash).

Icons are SVG images in ``data:`` URIs because Streamlit's ``st.html``
sanitises inline ``<svg>`` away but keeps ``<img>``; colours are therefore
passed in explicitly rather than inherited from CSS.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from board.domain.status import Status

_SHAPES = {
    Status.OK: ('<circle cx="12" cy="12" r="10"/>', '<path d="M7 12.5l3.2 3.2L17 9"/>'),
    Status.WARN: ('<path d="M12 2.5L22.5 21h-21z"/>', '<path d="M12 9v5.5M12 17.6v.2"/>'),
    Status.ALERT: ('<path d="M8 2h8l6 6v8l-6 6H8l-6-6V8z"/>', '<path d="M8.5 8.5l7 7M15.5 8.5l-7 7"/>'),
    Status.STALE: ('<circle cx="12" cy="12" r="10"/>', '<path d="M12 6.5V12l4 2.5"/>'),
    Status.CLOSED: ('<rect x="4" y="10.5" width="16" height="11" rx="2"/>', '<path d="M12 14.5v3"/>'),
    Status.NO_DATA: ('<circle cx="12" cy="12" r="10"/>',
                     '<path d="M9.2 9.3a2.9 2.9 0 1 1 4 2.7c-.8.4-1.2 1-1.2 1.9v.6M12 17.4v.3"/>'),
    Status.NEUTRAL: ('<circle cx="12" cy="12" r="10"/>', '<path d="M7.5 12h9"/>'),
}
_SHACKLE = '<path d="M7.5 10.5V7.5a4.5 4.5 0 0 1 9 0v3" fill="none" stroke="{fill}" stroke-width="2.4"/>'


def icon_svg(status: Status, fill: str, mark: str) -> str:
    shape, sign = _SHAPES[status]
    extra = _SHACKLE.format(fill=fill) if status is Status.CLOSED else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g fill="{fill}">{shape}</g>{extra}'
        f'<g fill="none" stroke="{mark}" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round">'
        f"{sign}</g></svg>"
    )


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


#: A megaphone: a notice is news, not a status, so it gets a shape no status uses (dark, on the light banner).
NOTICE_ICON = data_uri(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g fill="#0b1320">'
    '<path d="M2.5 9.2h4.2L15 4v16l-8.3-5.2H2.5z"/><path d="M6 15.5l1.6 5.2h3.2L9.3 15.5z"/></g>'
    '<path d="M18 8.6a4.6 4.6 0 0 1 0 6.8M20.3 6.3a8 8 0 0 1 0 11.4" fill="none" stroke="#0b1320" '
    'stroke-width="2" stroke-linecap="round"/></svg>')


def status_mark(status: Status, css_class: str = "icon") -> str:
    """The status shape as an empty ``<span>`` whose picture is the stylesheet's (:func:`icon_rules`): a table of
    900 rows carries ~2 000 icons, each ~900 bytes as a data URI in an ``<img>`` (2.3 MB of HTML for every
    overview refresh and every browser); as a class each is ~60 bytes. Decorative, like :func:`status_icon`."""
    return f'<span class="{css_class} icon-{status.value}" aria-hidden="true"></span>'


def icon_rules(scope: str, looks: Mapping[Status, tuple[str, str]], css_class: str = "icon") -> str:
    """CSS giving every :func:`status_mark` of ``scope`` its picture: one data URI per status, in the sheet once.

    ``looks``: each status's (fill, mark) colours. A URL background is kept in forced-colours (high contrast)
    mode, as an ``<img>`` is.
    """
    rules = [f"{scope} span.{css_class} {{ display: inline-block; background: no-repeat center / contain; }}"]
    rules += [f'{scope} span.{css_class}.icon-{status.value} '
              f'{{ background-image: url("{data_uri(icon_svg(status, fill, mark))}"); }}'
              for status, (fill, mark) in looks.items()]
    return "\n".join(rules) + "\n"


def status_icon(status: Status, fill: str, mark: str, css_class: str = "icon") -> str:
    """An ``<img>`` of the status shape, decorative (the status word is always next to it)."""
    return (f'<img class="{css_class} icon-{status.value}" src="{data_uri(icon_svg(status, fill, mark))}" '
            f'alt="" aria-hidden="true">')
