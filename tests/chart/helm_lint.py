"""Run Helm's own lint (helm-sdkpy, in the Python >= 3.12 venv .helm-venv) over chart directories.

Usage: python helm_lint.py CHART_DIR... → prints a JSON list, one lint result per chart.
Runs inside .helm-venv, not the project's venv.
"""

import asyncio
import json
import sys

import helm_sdkpy


async def main(charts: list[str]) -> None:
    lint = helm_sdkpy.Lint(helm_sdkpy.Configuration(namespace="argo-warden"))
    results = [await lint.run(chart) for chart in charts]
    print(json.dumps(results))


asyncio.run(main(sys.argv[1:]))
