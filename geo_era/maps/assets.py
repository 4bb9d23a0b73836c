"""What every interactive map is made of besides its data: Leaflet's JavaScript and CSS
from the installed ``xstatic-leaflet`` package and geo_era's own controls
(``static/controls.js``: fullscreen, measuring, the legend), inlined in a standalone
file or served by geo_era for its pages; an empty map with no tile server unless one is
configured; and the atomic writer of a standalone map.

No map asks a content delivery network for anything: a tile server asked for map tiles
learns which street is being examined, which for an offender's candidate address is a
leak, and many police networks reach no public server at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import Element, Figure, MacroElement
from folium.features import GeoJsonDetail
from jinja2 import Template

from geo_era._io import PRIVATE, atomic_path

#: Leaflet's files (``leaflet.js``, ``leaflet.css``, images), served at /static/leaflet.
LEAFLET_DIR = Path(xstatic_leaflet.BASE_DIR)
#: geo_era's own map files (``controls.js``, ``controls.css``), served at
#: /static/geo_era.
STATIC_DIR = Path(__file__).parent / "static"


class Rendered(Element):
    """Text already rendered from a template, kept as it is: never read again as a
    template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Rendered"
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


def _render_macro(self: MacroElement, **kwargs: object) -> None:
    """branca's ``MacroElement.render`` with what a macro renders kept as text.

    branca (0.8) wraps each rendered macro (a layer's script, with its GeoJSON data
    inlined) in ``Element(text)``, which compiles that text as a Jinja template: text in
    the data (an address, a site's name) holding ``{{ ... }}`` would then be run as a
    template on the server, and compiling every rendered layer cost a map about a fifth
    of its time. Here the rendered text is added as it is (:class:`Rendered`); the
    output is otherwise the same (the tests compare maps drawn both ways)."""
    figure = self.get_root()
    assert isinstance(figure, Figure), \
        "You cannot render this Element if it is not in a Figure."
    macros = self._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(Rendered(macro(self, kwargs)),
                                            name=self.get_name())
    for _name, element in self._children.items():
        element.render(**kwargs)


MacroElement.render = _render_macro  # type: ignore[method-assign]

#: folium's table style of a tooltip or popup of GeoJSON fields, compiled once (folium
#: compiles it again for every tooltip of every map drawn).
_TABLE_STYLE = Template(
    "\n"
    "                    <style>\n"
    "                        .{{ this.class_name }} {\n"
    "                            {{ this.style }}\n"
    "                        }\n"
    "                       .{{ this.class_name }} table{\n"
    "                            margin: auto;\n"
    "                        }\n"
    "                        .{{ this.class_name }} tr{\n"
    "                            text-align: left;\n"
    "                        }\n"
    "                        .{{ this.class_name }} th{\n"
    "                            padding: 2px; padding-right: 8px;\n"
    "                        }\n"
    "                    </style>\n"
    "            ")


def _render_detail(self: GeoJsonDetail, **kwargs: object) -> None:
    """folium's ``GeoJsonDetail.render`` (a tooltip's or popup's fields checked against
    the layer's, its table style added to the page) with the style's template compiled
    once, not per tooltip."""
    parent = self._parent
    if not isinstance(parent, folium.GeoJson):
        raise TypeError("geo_era draws tooltips and popups of GeoJSON layers only")
    features = parent.data["features"]
    keys = tuple(k for k in (features[0]["properties"] if features else {})
                 if k not in ("style", "highlight"))
    self.warn_for_geometry_collections()
    missing = [field for field in self.fields if field not in keys]
    if missing:
        raise ValueError(f"the fields {missing} are not in the layer's data ({keys})")
    figure = self.get_root()
    assert isinstance(figure, Figure)
    figure.header.add_child(Rendered(_TABLE_STYLE.render(this=self)),
                            name=self.get_name() + "tablestyle")
    _render_macro(self, **kwargs)


class GeoJsonTooltip(folium.GeoJsonTooltip):
    """folium's tooltip of GeoJSON fields, drawn without compiling a template per map."""

    render = _render_detail  # type: ignore[assignment]


class GeoJsonPopup(folium.GeoJsonPopup):
    """folium's popup of GeoJSON fields, drawn without compiling a template per map."""

    render = _render_detail  # type: ignore[assignment]


@dataclass(frozen=True)
class Assets:
    """Where the map's Leaflet files come from: inlined (a standalone file) or URLs on
    geo_era's own server (its pages)."""

    inline: bool = True
    base_url: str = "/static"

    def scripts(self) -> str:
        files = [LEAFLET_DIR / "leaflet.js", STATIC_DIR / "controls.js"]
        if self.inline:
            return "\n".join(f"<script>{f.read_text(encoding='utf-8')}</script>" for f in files)
        return "\n".join(f'<script src="{self.base_url}/{u}"></script>'
                         for u in ("leaflet/leaflet.js", "geo_era/controls.js"))

    def styles(self) -> str:
        files = [LEAFLET_DIR / "leaflet.css", STATIC_DIR / "controls.css"]
        if self.inline:
            return "\n".join(f"<style>{f.read_text(encoding='utf-8')}</style>" for f in files)
        return "\n".join(f'<link rel="stylesheet" href="{self.base_url}/{u}">'
                         for u in ("leaflet/leaflet.css", "geo_era/controls.css"))


class Controls(MacroElement):
    """geo_era's fullscreen and measuring controls, and the legend."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        geoEra.fullscreen({{ this._parent.get_name() }});
        geoEra.measure({{ this._parent.get_name() }});
        geoEra.legend({{ this._parent.get_name() }}, {{ this.legend | tojson }});
        {% endmacro %}
    """)

    def __init__(self, legend: list[dict[str, str]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GeoEraControls"
        self.legend = legend


def new_map(location: list[float], assets: Assets, tiles: str | None,
            tiles_attribution: str) -> folium.Map:
    """An empty map at ``location`` (latitude, longitude) using ``assets`` for Leaflet
    and geo_era's controls (no CDN), with a tile layer only when one is configured."""
    fmap = folium.Map(location=location, zoom_start=17, tiles=None, control_scale=True,
                      prefer_canvas=True)
    fmap.default_js, fmap.default_css = [], []
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(assets.styles()), name="geo_era_styles")
    root.header.add_child(Element(assets.scripts()), name="geo_era_scripts")
    if tiles:
        folium.TileLayer(tiles=tiles, attr=tiles_attribution or "configured tiles",
                         name="tiles (configured)").add_to(fmap)
    return fmap


def write_map(fmap: folium.Map, path: Path, *, mode: int = PRIVATE) -> Path:
    """Write a standalone HTML file whole (:func:`geo_era._io.atomic_path`), with
    ``mode``: :data:`~geo_era._io.PRIVATE` (the default) for any map that draws a
    subject's check or exclusion zones, :data:`~geo_era._io.SHARED` only for a map of
    reference or published data."""
    with atomic_path(path, mode=mode) as tmp:
        fmap.save(str(tmp))
    return Path(path)
