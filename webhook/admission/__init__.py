"""Admission reviews without any I/O: parse an AdmissionReview, decide, mutate, build the response.

The aiohttp adapters live in ``webhook.server``; everything here is a pure
function of its input, so it is tested without a server.
"""
