"""Scoring search: metrics, labelled questions, BEIR folders and reports."""
