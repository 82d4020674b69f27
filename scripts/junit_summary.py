#!/usr/bin/env python3
"""Print one closing line for every JUnit XML file under a folder."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.xml"))):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        total = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed += total - bad - skip
        failed += bad
        skipped += skip
print("summary: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed else 0)
