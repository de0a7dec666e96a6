"""The weekly view's charts made in one step from dicts (``week_charts._figure``) against the same chart grown
by plotly's update calls (``_layout``, as the monthly view still makes its charts): the same figure."""

from __future__ import annotations

from typing import Any

from board.web import week_charts as charts


def _without_legend_title(fig: Any) -> dict[str, Any]:
    """The figure as plotly sends it, less the empty ``legend.title`` object that ``update_layout(legend=
    {"title": None})`` leaves behind (an empty object: plotly.js draws no title either way)."""
    out = fig.to_dict()
    legend = out["layout"].get("legend", {})
    if legend.get("title") == {}:
        del legend["title"]
    return out


def test_dicts_in_one_step_are_the_figure_the_update_calls_make():
    names = ["Kajaani", "Paltamo", "<b>Kaikki</b>"]
    before = charts.Bars([0.41, None, 0.38], "vko 47", "vko 47")
    now = charts.Bars([0.47, 0.12, 0.44], "vko 48", "vko 48")
    for figure, target in (("contacts_remote_share", 0.45), ("feedback_nps", None), ("contacts_total", 120.0)):
        grown = charts._layout(charts.compared_bars(names, before, now, figure, target, "fi"), "Otsikko", 290,
                               subtitle="alaotsikko")
        made = charts._figure(*charts._compared_parts(names, before, now, figure, target, "fi"), "Otsikko", 290,
                              subtitle="alaotsikko")
        assert _without_legend_title(made) == _without_legend_title(grown)
        layout = made.to_dict()["layout"]
        assert layout["bargap"] == 0.25  # the shared look is laid over the chart's own (0.18), as update_layout did
        assert layout["yaxis"]["gridcolor"] == "#e5e9ef" and layout["xaxis"]["automargin"] is True
        assert len(layout.get("shapes", [])) == (target is not None)


def test_merged_lays_nested_dicts_key_by_key():
    base = {"yaxis": {"title": {"text": "kpl"}, "rangemode": "tozero"}, "bargap": 0.18, "shapes": [1]}
    over = {"yaxis": {"gridcolor": "#e5e9ef", "title": {"standoff": 3}}, "bargap": 0.25}
    assert charts._merged(base, over) == {
        "yaxis": {"title": {"text": "kpl", "standoff": 3}, "rangemode": "tozero", "gridcolor": "#e5e9ef"},
        "bargap": 0.25, "shapes": [1]}
    assert base["yaxis"] == {"title": {"text": "kpl"}, "rangemode": "tozero"}  # the caller's dict untouched
