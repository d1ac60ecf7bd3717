"""Turn a speed-suite result (the JSON ``speed.py`` writes) into numbers and Markdown.

``scaling`` fits the time exponent, ``targets`` checks radfeat against its goals, ``markdown``
renders the full report (``benchmarks/results/speed-<date>.md``) and ``readme_block`` the short
one that ``update_readme.py`` puts between README's ``<!-- speed -->`` markers.
"""

from __future__ import annotations

import math

__all__ = ["markdown", "readme_block", "scaling", "targets"]

REFERENCE = "pyradiomics"
#: (key, what, case key, ratio to reach): the speed-up targets, whole set on one core.
SPEEDUP_TARGETS = (("2d-128", "≥ 20× pyradiomics, 2D 128², whole set, one core", 20.0),
                   ("3d-128", "≥ 40× pyradiomics, 3D 128³, whole set, one core", 40.0))
BATCH_TARGET = 10_000  # images/s, 28 x 28, whole set


# ----------------------------------------------------------------------------------------- access


def _index(result) -> dict:
    return {(t["key"], t["row"], t["tool"]): t["seconds"] for t in result["timings"]}


def _tools(result) -> list[str]:
    """Tools in run order, radfeat first, pyradiomics second."""
    return list(result["tools"])


def _case(result, key) -> dict | None:
    return next((c for c in result["cases"] if c["key"] == key), None)


def _rows(result, key) -> list[str]:
    return list(dict.fromkeys(t["row"] for t in result["timings"] if t["key"] == key))


# ------------------------------------------------------------------------------------ computations


def scaling(result) -> list[dict]:
    """Least-squares ``log t = log a + b log n`` over the 2D and the 3D series (whole set; n = ROI voxels)."""
    times, out = _index(result), []
    for kind, label in (("2d", "2D"), ("3d", "3D")):
        cases = sorted((c for c in result["cases"] if c["kind"] == kind), key=lambda c: c["n_roi"])
        for tool in _tools(result):
            pts = [(c["n_roi"], times[(c["key"], "all", tool)]) for c in cases if (c["key"], "all", tool) in times]
            if len(pts) < 2:
                continue
            xs, ys = [math.log(n) for n, _ in pts], [math.log(t) for _, t in pts]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            sxx = sum((x - mx) ** 2 for x in xs)
            b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
            out.append(dict(series=label, tool=tool, b=b, a=math.exp(my - b * mx), points=len(pts),
                            n=[n for n, _ in pts]))
    return out


def _peer_gaps(result) -> tuple[int, list]:
    """(comparisons, [(case, row, peer, peer/radfeat)] where a peer was at least as fast)."""
    times, n, behind = _index(result), 0, []
    for (key, row, tool), seconds in times.items():
        if tool == "radfeat" or (key, row, "radfeat") not in times:
            continue
        n += 1
        ratio = seconds / times[(key, row, "radfeat")]
        if ratio <= 1.0:
            behind.append((_case(result, key)["label"], row, tool, ratio))
    return n, behind


def targets(result) -> list[dict]:
    """radfeat against its goals, each ``met``, ``not met`` or ``not measured``."""
    times, threads, out = _index(result), result["meta"]["threads"], []
    one_core = "" if threads == 1 else f" (measured with {threads} threads)"
    for key, what, goal in SPEEDUP_TARGETS:
        ours, ref = times.get((key, "all", "radfeat")), times.get((key, "all", REFERENCE))
        if ours is None or ref is None:
            out.append(dict(target=what, value=None, measured="—", status="not measured"))
            continue
        ratio = ref / ours
        out.append(dict(target=what, value=ratio, measured=f"{ratio:.1f}×{one_core}",
                        status="met" if ratio >= goal and threads == 1 else "not met"))
    batch = _case(result, "batch")
    ours = times.get(("batch", "all", "radfeat"))
    what = f"≥ {BATCH_TARGET:,} images/s, 28×28 batch, whole set"
    if batch is None or ours is None:
        out.append(dict(target=what, value=None, measured="—", status="not measured"))
    else:
        rate = batch["n_images"] / ours
        out.append(dict(target=what, value=rate, measured=f"{rate:,.0f} images/s{one_core}",
                        status="met" if rate >= BATCH_TARGET else "not met"))
    n, behind = _peer_gaps(result)
    peers = [t for t in _tools(result) if t != "radfeat"]
    if n == 0:
        out.append(dict(target="ahead of every peer on every case", value=None, measured="—", status="not measured"))
    else:
        where = "; ".join(f"{c} {r}: {p} {1 / x:.2f}× faster" for c, r, p, x in behind[:6])
        measured = f"ahead in {n - len(behind)} of {n} (vs {', '.join(peers)})" + (f"; behind: {where}" if where else "")
        out.append(dict(target="ahead of every peer on every case", value=n - len(behind), measured=measured,
                        status="met" if not behind else "not met"))
    return out


# -------------------------------------------------------------------------------------- formatting


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"


def _cell(times, key, row, tool, n_images=1) -> str:
    t = times.get((key, row, tool))
    if t is None:
        return "—"
    ref = times.get((key, row, REFERENCE))
    text = fmt_time(t)
    if n_images > 1 and tool == "radfeat":
        text += f" · {n_images / t:,.0f} img/s"
    if ref is not None and tool != REFERENCE:
        text += f" ({ref / t:.1f}×)"
    return text


def _lead(times, key, row, tools) -> str:
    ours = times.get((key, row, "radfeat"))
    peers = [(times[(key, row, t)], t) for t in tools if t != "radfeat" and (key, row, t) in times]
    if ours is None or not peers:
        return "—"
    best, name = min(peers)
    return f"{best / ours:.1f}× ({name})"


def _table(header, rows, numeric=True) -> list[str]:
    align = ["---"] + ["---:" if numeric else "---"] * (len(header) - 1)
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"] + \
        ["| " + " | ".join(r) + " |" for r in rows]


def _tools_used(result, key=None, row=None) -> list[str]:
    used = {t["tool"] for t in result["timings"]
            if (key is None or t["key"] == key) and (row is None or t["row"] == row)}
    return [t for t in _tools(result) if t in used]


def _whole_set_table(result, times) -> list[str]:
    tools = _tools_used(result, row="all")
    mem = {(m["case"], m["tool"]): m["peak_rise_mib"] for m in result.get("memory", [])}
    header = ["case", "ROI voxels"] + tools + ["radfeat vs fastest peer", "peak memory radfeat / pyradiomics"]
    rows = []
    for c in result["cases"]:
        if (c["key"], "all", "radfeat") not in times:
            continue
        memory = " / ".join(f"{mem[(c['label'], t)]:.1f} MiB" if (c["label"], t) in mem else "—"
                            for t in ("radfeat", REFERENCE))
        n_roi = f"{c['n_roi']:,}" + (f" × {c['n_images']:,}" if c["n_images"] > 1 else "")
        rows.append([c["label"], n_roi] + [_cell(times, c["key"], "all", t, c["n_images"]) for t in tools]
                    + [_lead(times, c["key"], "all", tools), memory])
    return _table(header, rows)


def _case_table(result, times, case) -> list[str]:
    tools = _tools_used(result, case["key"])
    rows = [[row] + [_cell(times, case["key"], row, t, case["n_images"]) for t in tools]
            + [_lead(times, case["key"], row, tools)] for row in _rows(result, case["key"])]
    return _table(["row"] + tools + ["radfeat vs fastest peer"], rows)


def _family_table(result, times) -> list[str]:
    cases = [c for c in result["cases"] if any(k[0] == c["key"] and k[2] == "radfeat" for k in times)]
    families = [r for r in ("all", "firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
                if any((c["key"], r, REFERENCE) in times for c in cases)]
    rows = []
    for row in families:
        cells = []
        for c in cases:
            ours, ref = times.get((c["key"], row, "radfeat")), times.get((c["key"], row, REFERENCE))
            cells.append(f"{ref / ours:.1f}×" if ours and ref else "—")
        rows.append([row] + cells)
    return _table(["radfeat ÷ pyradiomics time"] + [c["label"] for c in cases], rows)


def _targets_table(result) -> list[str]:
    return _table(["target", "measured", "status"],
                  [[t["target"], t["measured"], f"**{t['status']}**" if t["status"] == "met" else t["status"]]
                   for t in result["targets"]], numeric=False)


def _startup_lines(result) -> list[str]:
    lines = []
    imports = result.get("imports") or {}
    if imports:
        lines.append("Import (fresh interpreter, median): " + ", ".join(
            f"`import {result['tools'][t].get('module', t)}` {fmt_time(s)}" for t, s in imports.items()) + ".")
    comp = result.get("compile") or {}
    for mode, what in (("cold_cache", "JIT compile on a cold cache (empty NUMBA_CACHE_DIR)"),
                       ("warm_cache", "first call with the warm on-disk cache (loading the kernels)")):
        if mode in comp:
            parts = ", ".join(f"{r['case']} {r['compile_s']:.2f} s" for r in comp[mode]["cases"])
            lines.append(f"{what}: {comp[mode]['total_s']:.1f} s in all ({parts}; first call minus a warm one).")
    if "cold_cache" not in comp:
        lines.append("JIT compile on a cold cache: not measured in this run (`--quick` or `--no-compile`).")
    return lines


def _scaling_lines(result) -> list[str]:
    fits = result.get("scaling") or []
    if not fits:
        return ["Scaling: fewer than two sizes per series in this run."]
    out = []
    for series in ("2D", "3D"):
        parts = [f"{f['tool']} {f['b']:.2f}" for f in fits if f["series"] == series]
        if parts:
            pts = next(f["points"] for f in fits if f["series"] == series)
            out.append(f"{series} ({pts} sizes): " + ", ".join(parts))
    return ["Time exponent b of t = a·n^b (whole set, n = ROI voxels, least squares in log–log): "
            + "; ".join(out) + "."]


def _run_line(result) -> str:
    m = result["meta"]
    versions = ", ".join(f"{t} {v['version']}" for t, v in result["tools"].items())
    return (f"Run {m['date']}{' (--quick)' if m['quick'] else ''}: {m['cpus']} CPUs, load average "
            f"{m['load_average_start']:.1f} → {m['load_average_end']:.1f}, {m['threads']} thread(s) "
            f"(Numba {m['numba_threads']}), Python {m['python']}, numpy {m['numpy']}, numba {m['numba']}; "
            f"{versions}; {m['settings']}; median of repeats after a warm-up; per-image tools timed on "
            f"{m['batch_subset']} batch images and scaled; wall time {m.get('wall_s', 0):.0f} s.")


def markdown(result) -> str:
    """The full report: targets, whole set, every case, start-up, memory, scaling, tools, agreement."""
    times = _index(result)
    out = [f"# Speed: radfeat vs pyradiomics and peers ({result['meta']['date']})", "", _run_line(result), "",
           ("Each cell: median time (× = pyradiomics' time ÷ this tool's, same run). \"radfeat vs fastest "
            "peer\": the fastest other tool's time ÷ radfeat's (> 1: radfeat ahead)."), "", "## Targets", ""]
    out += _targets_table(result) + ["", "## Whole feature set (one extraction)", ""]
    out += _whole_set_table(result, times) + ["", "## Per family, radfeat's speed-up over pyradiomics", ""]
    out += _family_table(result, times)
    for case in result["cases"]:
        if any(k[0] == case["key"] for k in times):
            roi = f"{case['n_roi']:,} ROI voxels" + (f" × {case['n_images']:,} images" if case["n_images"] > 1 else "")
            out += ["", f"## {case['label']} ({roi}, {case['n_levels']} grey levels)", ""]
            out += _case_table(result, times, case)
    out += ["", "## Start-up, scaling, memory", ""] + _startup_lines(result) + [""] + _scaling_lines(result)
    out += _memory_table(result)
    out += ["", "## Agreement", ""] + _agreement_lines(result)
    out += ["", "## Tools and what differs", ""]
    out += _table(["tool", "version", "threads", "compared on", "what differs"],
                  [[n, t["version"], t["threads"], t["compared_on"], t["notes"]] for n, t in result["tools"].items()]
                  + [[n, "—", "—", "—", why] for n, why in (result.get("skipped") or {}).items()], numeric=False)
    return "\n".join(out)


def _memory_table(result) -> list[str]:
    memory = result.get("memory") or []
    if not memory:
        return ["", "Peak memory: not measured in this run (`--no-memory`)."]
    tools = list(dict.fromkeys(m["tool"] for m in memory))
    cases = list(dict.fromkeys(m["case"] for m in memory))
    cell = {(m["case"], m["tool"]): f"+{m['peak_rise_mib']:.1f} MiB ({m['process_peak_mib']:.0f})" for m in memory}
    return ["", ("Peak memory of one warm whole-set extraction: rise of the resident set over the process "
                 "before the call (VmHWM; Numba and C allocations included), and in brackets the process's "
                 "peak RSS in MiB (interpreter, libraries and inputs included); a fresh process per case and "
                 "tool, per-image tools on the batch subset."), ""] + \
        _table(["case"] + tools, [[c] + [cell.get((c, t), "—") for t in tools] for c in cases])


def _agreement_lines(result) -> list[str]:
    lines = []
    required = [c for c in result["agreement"] if c["required"]]
    if required:
        bad = [c for c in required if c["differ"]]
        n = sum(c["compared"] for c in required)
        per_tool = ", ".join(f"{t} {sum(c['compared'] for c in required if c['tool'] == t):,}"
                             for t in dict.fromkeys(c["tool"] for c in required))
        lines.append(f"radfeat vs identical definitions ({per_tool} values): "
                     + ("all within rtol 1e-6." if not bad else
                        "DISAGREE: " + "; ".join(f"{c['case']} {c['row']} {c['tool']}: {c['differ']}" for c in bad)))
    info = [c for c in result["agreement"] if not c["required"]]
    for tool in dict.fromkeys(c["tool"] for c in info):
        mine = [c for c in info if c["tool"] == tool]
        differ = sorted({d for c in mine for d in c["differ"]})
        n = sum(c["compared"] for c in mine)
        lines.append(f"{tool} (information): {n:,} values compared with radfeat's (pyradiomics' definitions); "
                     + (f"differ: {', '.join(differ)}." if differ else "all within rtol 1e-6."))
    return lines


def readme_block(result) -> str:
    """The short form for README: targets, whole set per case, per-family speed-ups, one run line."""
    times = _index(result)
    out = _targets_table(result) + [""] + _whole_set_table(result, times) + [""] + _family_table(result, times)
    out += [""] + _startup_lines(result) + [""] + _scaling_lines(result) + ["", _run_line(result)]
    return "\n".join(out)
