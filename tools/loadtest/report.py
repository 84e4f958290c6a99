"""Markdown tables of loadtest-results.json (written by run.py), for the
documentation: one line per run, and the main screens per run.

    python tools/loadtest/report.py <build>/loadtest/loadtest-results.json
"""

import json
import sys

SCREENS = [
    "accountant: open relation card",
    "accountant: search relation by name",
    "accountant: save phone number",
    "manager: pipeline web_read_group",
    "manager: pipeline column web_search_read",
    "planner: team planning web_search_read",
    "integration: relations lookup",
]


def fmt(value):
    return "-" if value is None else f"{value:.0f}"


def main(path):
    with open(path) as file:
        results = json.load(file)
    runs = sorted(
        results.values(),
        key=lambda r: (
            r["clients"],
            r["db"],
            r["users"],
            r["workers"],
            r["duration_s"],
        ),
    )
    out = sys.stdout.write
    out(
        "| firm | users | workers | s | requests | failures | p50 ms | p95 ms "
        "| p99 ms | req/s | killed / limits / serialization | logins in the run |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for run in runs:
        logins = any(r["name"].endswith(": login") for r in run["requests"])
        total = next(r for r in run["requests"] if r["name"] == "TOTAL")
        log = run.get("server_log", {})
        out(
            f"| {run['db']} ({run['clients']} clients) | {run['users']} "
            f"| {run['workers']} | {run['duration_s']} | {total['count']} "
            f"| {total['failures']} "
            f"| {fmt(total['p50_ms'])} | {fmt(total['p95_ms'])} "
            f"| {fmt(total['p99_ms'])} | {total['rps']:.2f} "
            f"| {log.get('worker_killed', 0)} / "
            f"{log.get('cpu_limit', 0) + log.get('real_limit', 0)} / "
            f"{log.get('serialization', 0)} "
            f"| {'yes' if logins else 'no'} |\n"
        )
    out("\np95 in ms per screen:\n\n| run | " + " | ".join(SCREENS) + " |\n")
    out("|---" * (len(SCREENS) + 1) + "|\n")
    for run in runs:
        by_name = {r["name"]: r for r in run["requests"]}
        out(
            f"| {run['db']} {run['users']}u {run['workers']}w {run['duration_s']}s | "
            + " | ".join(fmt(by_name.get(s, {}).get("p95_ms")) for s in SCREENS)
            + " |\n"
        )
    machines = sorted({run["machine"] for run in runs})
    out("\nMachine: " + "; ".join(machines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
