"""Forecasting models: baselines, time series, stock-and-flow, multi-state Markov, ensembles."""
