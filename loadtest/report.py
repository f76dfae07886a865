"""Turn the wrk runs of loadtest/run.sh into one table: rate, latency and the share of static."""

import re
import sys

UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNIT[unit]


def runs(text):
    for block in text.split("== ")[1:]:
        label, body = block.split("\n", 1)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", body).group(1))
        p50 = milliseconds(re.search(r"^\s+50%\s+(\S+)", body, re.M).group(1))
        p99 = milliseconds(re.search(r"^\s+99%\s+(\S+)", body, re.M).group(1))
        errors = re.search(r"Socket errors: .*timeout (\d+)", body)
        timeouts = int(errors.group(1)) if errors else 0
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", body)
        yield label, rate, p50, p99, timeouts, int(non_2xx.group(1)) if non_2xx else 0


def main(path):
    with open(path, encoding="utf-8") as file:
        rows = list(runs(file.read()))
    static_rate = rows[0][1]
    print("| URL | requests/s | p50 | p99 | timeouts | non-2xx | share of static |")
    print("|---|---|---|---|---|---|---|")
    for label, rate, p50, p99, timeouts, non_2xx in rows:
        print(
            f"| {label} | {rate:,.0f} | {p50:.0f} ms | {p99:.0f} ms | {timeouts} | {non_2xx} "
            f"| {rate / static_rate:.3f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1])
