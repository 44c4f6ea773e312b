#!/usr/bin/env python3
"""Turns the per-input tables printed by the Swift comparison test into one markdown table.
  SENTIO_PRINT_TABLE=1 swift test --filter CovarepComparisonTests/f0 2>&1 | python3 scripts/reference/accuracy_table.py
"""
import re, sys
NOT_DONE = set()   # every column is computed (creak: see ACCURACY-acoustics.md)
inputs, f0lines, cur = [], [], None
for line in sys.stdin:
    m = re.match(r"^(.*) F0: VUV agreement ([\d.e-]+), GPE ([\d.e-]+), median rel err ([\d.e-]+), both voiced (\d+)", line)
    if m:
        cur = {"name": m.group(1), "rows": {}}
        inputs.append(cur)
        f0lines.append(m.groups())
        continue
    m = re.match(r"^\| (\S+) \| (\S+) \| (\S+) \| (\S+) \| (\S+) \|", line)
    if m and cur is not None and m.group(1) not in ("column", "---"):
        cur["rows"][m.group(1)] = m.groups()[1:]
print("| input | VUV agreement | F0 gross error (>20 %) | F0 median rel. error | frames both voiced |")
print("| --- | --- | --- | --- | --- |")
for name, vuv, gpe, med, n in f0lines:
    print(f"| {name} | {float(vuv)*100:.1f} % | {float(gpe)*100:.2f} % | {float(med)*100:.2f} % | {n} |")
print()
hdr = " | ".join(f"{i['name']} corr / MAE (voiced)" for i in inputs)
print(f"| column | {hdr} |")
print("|" + " --- |" * (len(inputs) + 1))
for col in inputs[0]["rows"]:
    if col in NOT_DONE:
        print(f"| {col} | " + " | ".join("not implemented (always 0)" for _ in inputs) + " |")
        continue
    cells = []
    for i in inputs:
        cv, mv, ca, ma = i["rows"][col]
        cells.append(f"{cv} / {mv}")
    print(f"| {col} | " + " | ".join(cells) + " |")
