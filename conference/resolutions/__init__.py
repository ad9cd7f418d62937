"""Recommendations: drafted, adopted and followed up, addressed to bodies, tied to sessions and national projects."""
