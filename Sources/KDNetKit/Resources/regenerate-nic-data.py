#!/usr/bin/env python3
"""Rebuilds nic-support.json from Microsoft's supported-NIC lists.

Inputs (defaults: the shared reference copies this project was built from):
  nic-support-matrix.csv      one row per vendor:device pair found on the "Supported
                              Ethernet NICs for network kernel debugging" pages, one
                              0/1 column per Windows release page, and the XML list's
                              `build` attribute
  verified-nics-windows11.json  the newest page's XML list (kdnet.exe's
                              VerifiedNicList.xml): vendor names

Usage: regenerate-nic-data.py [CSV] [VERIFIED_JSON] > nic-support.json
The output is deterministic (sorted) so a diff shows exactly what Microsoft changed.
"""
import csv
import json
import os
import sys

# The shared reference folder sits beside the repository checkout.
reference = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "reference")

csv_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(reference, "nic-support-matrix.csv")
json_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(reference, "verified-nics-windows11.json")

with open(csv_path, newline="") as f:
    reader = csv.DictReader(f)
    columns = [c for c in reader.fieldnames if c.startswith("windows-")]
    rows = list(reader)

with open(json_path) as f:
    verified = json.load(f)

nics = {}
for row in rows:
    pair = f"{row['vendor'].upper()}:{row['device'].upper()}"
    listed = "".join("1" if row[c].strip() == "1" else "0" for c in columns)
    build = row["xml_build_attr"].strip()
    entry = nics.setdefault(pair, {"listed": listed, "xml_build": int(build) if build else None})
    # A pair listed twice (the XML repeats some ids) is listed wherever either row says so.
    entry["listed"] = "".join("1" if "1" in (a, b) else "0" for a, b in zip(entry["listed"], listed))

out = {
    "origin": "Microsoft's 'Supported Ethernet NICs for network kernel debugging' pages "
              "(MicrosoftDocs/windows-driver-docs, Windows 8 to Windows 11), via "
              "nic-support-matrix.csv and " + verified.get("source", "verified-nics-windows11.json"),
    "columns": columns,
    "vendors": {v["vendor"].upper(): v["vendor_name"] for v in verified["nics"]},
    "nics": dict(sorted(nics.items())),
}
json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
