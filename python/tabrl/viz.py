"""Pictures: text and SVG heatmaps, learning curves and policies, RGB frames of the
environments as numpy arrays, and GIF and PNG files (tabrl::viz, in C++).

SVG functions return the document as a string: write it with
``pathlib.Path("visits.svg").write_text(svg)``. Frames are (height, width, 3) uint8 arrays.
``gif_available`` and ``png_available`` say whether this build has giflib and libpng.
"""

from . import _tabrl

if not hasattr(_tabrl, "viz"):  # pragma: no cover - depends on the build
    raise ImportError("tabrl.viz: this build of tabrl has no pictures (fmt 9 was not found when it was built)")

_native = _tabrl.viz

gif_available: bool = _native.gif_available
png_available: bool = _native.png_available
CurveSeries = _native.CurveSeries
heatmap_text = _native.heatmap_text
policy_text = _native.policy_text
side_by_side = _native.side_by_side
svg_heatmap = _native.svg_heatmap
svg_learning_curve = _native.svg_learning_curve
svg_policy = _native.svg_policy
cliff_walking_marks = _native.cliff_walking_marks
max_q = _native.max_q
render_cliff_walking = _native.render_cliff_walking
render_frozen_lake = _native.render_frozen_lake
render_taxi = _native.render_taxi
render_rollout = _native.render_rollout
write_gif = _native.write_gif
write_png = _native.write_png
read_png = _native.read_png

__all__ = [
    "CurveSeries",
    "cliff_walking_marks",
    "gif_available",
    "heatmap_text",
    "max_q",
    "png_available",
    "policy_text",
    "read_png",
    "render_cliff_walking",
    "render_frozen_lake",
    "render_rollout",
    "render_taxi",
    "side_by_side",
    "svg_heatmap",
    "svg_learning_curve",
    "svg_policy",
    "write_gif",
    "write_png",
]
