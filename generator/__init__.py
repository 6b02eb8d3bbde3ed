"""Synthetic survey deliveries in the vendors' formats, driven by the wave codebooks."""

from generator.core import GenerationResult, generate

__all__ = ["GenerationResult", "generate"]
