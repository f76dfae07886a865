"""Build static/maps/prefectures.json, the prefecture outlines the choropleth draws.

Run once, by hand, when the outlines should change; the site itself never imports japanmap:

    python -m venv /tmp/mapbuild && /tmp/mapbuild/bin/pip install japanmap shapely
    /tmp/mapbuild/bin/python tools/build_prefecture_svg.py

The outlines are japanmap's (Apache-2.0, https://github.com/SaitoTsutomu/japanmap): for each
prefecture the area that holds its prefectural office, with Hokkaido and Okinawa moved closer
as on a printed map of Japan. shapely's coverage_simplify thins them as one coverage, so that
neighbours keep sharing their borders (simplifying each outline alone would open gaps).
"""

import json
import math
from pathlib import Path

import japanmap
import shapely

OUTPUT = Path(__file__).resolve().parent.parent / "static" / "maps" / "prefectures.json"
# Degrees: about 1.5 km, finer than a pixel at the size the home page draws the map.
TOLERANCE = 0.015
WIDTH = 1000  # viewBox units across; coordinates are rounded to 0.1 of them
# Longitude shrinks with latitude: scale x by cos(36°), the middle of Japan, as japanmap does.
X_SCALE = math.cos(math.radians(36))


def main():
    outlines = japanmap.pref_points(japanmap.get_data(move_hokkaido=True, move_okinawa=True))
    polygons = [shapely.Polygon(points) for points in outlines]
    simplified = shapely.coverage_simplify(polygons, TOLERANCE)
    xs, ys = [], []
    for polygon in simplified:
        for x, y in polygon.exterior.coords:
            xs.append(x * X_SCALE)
            ys.append(y)
    left, top = min(xs), max(ys)
    scale = WIDTH / (max(xs) - left)
    height = math.ceil((top - min(ys)) * scale)

    def path(polygon):
        points = [
            f"{(x * X_SCALE - left) * scale:.1f},{(top - y) * scale:.1f}"
            for x, y in polygon.exterior.coords[:-1]
        ]
        return "M" + "L".join(points) + "Z"

    data = {
        "source": f"japanmap {japanmap.__version__} (Apache-2.0), simplified {TOLERANCE}°",
        "viewBox": f"0 0 {WIDTH} {height}",
        "prefectures": {
            f"{number:02d}": path(polygon) for number, polygon in enumerate(simplified, start=1)
        },
    }
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUTPUT}: {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
