"""Charts for reports: matplotlib with a CJK font, deterministic SVG output."""
