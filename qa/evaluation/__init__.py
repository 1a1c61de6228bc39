"""Measuring answers: `runner` asks every question of a Q&A file or benchmark through the
public `Assistant.ask` (`qa eval`); `metrics` are the pure scoring functions (CMRC 2018
character EM / F1, ranks, abstention); `scorecard` shows and writes the results.
"""
