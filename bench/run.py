"""fastoptim benchmarks: `python bench/run.py [--quick] [--out FILE] [--only NAME]`.

Runs every bench/bench_*.py module's rows(quick), prints a table of times and
ratios (each against its target) and writes the results, with the machine's
configuration, as JSON (bench/results/latest.json by default).
"""
import argparse
import datetime
import importlib
import json
import os
import pathlib
import platform
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _modules(only):
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only:
        names = [n for n in names if any(o in n for o in only)]
    return names


def _format_ratio(name, value, target):
    text = f"{value * 100:.0f}%" if name.startswith("of_") else f"{value:.2f}x"
    if target is not None:
        goal = f"{target.threshold * 100:.0f}%" if name.startswith("of_") else f"{target.threshold:g}x"
        text += f" (target {target.op} {goal}: {'met' if target.met(value) else 'MISSED'})"
    return f"{name} {text}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problems, fewer repeats")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"),
                        help="where to write the JSON results")
    parser.add_argument("--only", nargs="*", help="run only modules whose name contains one of these")
    args = parser.parse_args(argv)

    import fastoptim
    from fastoptim._config import config_info

    info = config_info()
    print(f"fastoptim {fastoptim.__version__} benchmarks ({'quick' if args.quick else 'full'}) "
          f"on {platform.processor() or platform.machine()}, {info['n_threads']} threads, "
          f"{'AVX2 clone' if info['cpu_uses_avx2_clone'] else 'baseline kernels'}")
    results = []
    for name in _modules(args.only):
        module = importlib.import_module(name)
        for row in module.rows(quick=args.quick):
            results.append(row)
            times = ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in row.times.items())
            ratios = "; ".join(_format_ratio(k, v, row.targets.get(k)) for k, v in row.ratios.items())
            print(f"\n{row.name}\n  {times}\n  {ratios}\n  {row.notes}", flush=True)
    record = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), **info},
        "rows": [r.as_dict() for r in results],
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print("\n" + markdown_table(record))
    print(f"\nwrote {out}")
    return 0


def markdown_table(record):
    """The results as the Markdown table the README shows."""
    m = record["machine"]
    lines = [
        f"Measured {record['date'][:10]} on {m['cpu']} ({m['cores']} cores, {m['n_threads']} threads, "
        f"{'AVX2/FMA clone' if m['cpu_uses_avx2_clone'] else 'baseline kernels'}), "
        f"numpy {m['numpy']}{', quick run' if record['quick'] else ''}.",
        "",
        "| benchmark | fastoptim | ratios (target) | notes |",
        "|---|---|---|---|",
    ]
    for row in record["rows"]:
        ratios = "; ".join(
            _format_ratio(k, v, _target(row, k)).replace(" (target ", " (").replace(": met)", " met)")
            for k, v in row["ratios"].items())
        lines.append(f"| {row['name']} | {row['times_s']['fastoptim'] * 1e3:.2f} ms | {ratios} "
                     f"| {row['notes']} |")
    return "\n".join(lines)


def _target(row, name):
    from common import Target

    t = row["targets"].get(name)
    return Target(t["op"], t["threshold"]) if t else None


def _cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    sys.exit(main())
