"""Customer segmentation: features -> Segmenter -> profiles -> personas -> report.

    from segmentation import Segmenter, build_profiles, generate_personas, write_report
    seg = Segmenter(n_segments="auto").fit(features, embeddings)
    profiles = build_profiles(seg.labels_, features, ds.events, ds.products, ds.users)
    personas = generate_personas(profiles, language="en", cache_dir=workspace / "cache")
    write_report(profiles, personas, seg, out="segments.html")
"""
from __future__ import annotations

from segmentation.personas import Persona, generate_personas
from segmentation.profiles import SegmentProfiles, build_profiles
from segmentation.report import write_markdown_report, write_report
from segmentation.segmenter import Evaluation, Segmenter, user_clustering

__all__ = ["Evaluation", "Persona", "SegmentProfiles", "Segmenter", "build_profiles", "generate_personas",
           "user_clustering", "write_markdown_report", "write_report"]
