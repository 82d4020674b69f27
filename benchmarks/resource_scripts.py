"""What each resource script of the group costs on the node that would take it.

Run as root with the lab up and the pair built (scripts/lab.sh):
    .venv/bin/python benchmarks/resource_scripts.py [ROUNDS] [--compare FILE]...
During a takeover Heartbeat's ResourceManager runs each resource of
/etc/ha.d/haresources in order, asking its status before its start. This
times those status calls, ROUNDS times each (default 5), on the node that
does not hold the group (read-only there: nothing is started), in the
order of haresources: the collection's own scripts (hapair-guard, cluster)
and Heartbeat's and resource-agents' (drbddisk, Filesystem, MailTo). It
prints the median of each, the load, and the collection's share of their
sum. Each --compare FILE (another cluster script: an older release's, or
one rendered for another inventory) is copied to that node and its status
timed in the same rounds, beside the installed one.
"""
import os
import shlex
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import PEER, holder_or_exit, node  # noqa: E402

RESOURCE_DIR = "/etc/ha.d/resource.d"
OWN = ("hapair-guard", "cluster")
COMPARED = "/tmp/hapair-bench-cluster-%d"


def calls(host):
    """[(label, argv)]: the status call of each resource of haresources."""
    words = host.check_output("grep -v '^#' /etc/ha.d/haresources | tr -s ' ' '\\n'").split()[1:]
    out = []
    for word in words:
        script, *args = word.split("::")
        out.append((script, ["%s/%s" % (RESOURCE_DIR, script)] + args + ["status"]))
    return out


def timed(host, argv, rounds):
    """Seconds each of ROUNDS runs of ARGV took on HOST (timed there)."""
    script = ("for i in $(seq %d); do s=$(date +%%s.%%N); %s >/dev/null 2>&1; e=$(date +%%s.%%N); "
              "echo \"$s $e\"; done" % (rounds, " ".join(shlex.quote(a) for a in argv)))
    out = host.check_output("bash -c %s" % shlex.quote(script))
    return [float(e) - float(s) for s, e in (line.split() for line in out.splitlines())]


def main(rounds, compare=()):
    passive = node(PEER[holder_or_exit()])
    todo = calls(passive)
    copies = []
    for i, path in enumerate(compare):
        with open(path) as handle:
            text = handle.read()
        copy = COMPARED % i
        passive.check_output("printf '%%s' %s > %s && chmod 0755 %s" % (shlex.quote(text), copy, copy))
        copies.append(copy)
        todo.append(("compared: %s" % path, [copy, "status"]))
    load = passive.check_output("cut -d' ' -f1 /proc/loadavg").strip()
    print("status calls on %s, %d rounds, load %s" % (passive.check_output("uname -n").strip(), rounds, load))
    medians = {}
    for label, argv in todo:
        took = timed(passive, argv, rounds)
        medians[label] = statistics.median(took)
        print("  %-50s median %6.2f s  (min %.2f, max %.2f)" % (label, medians[label], min(took), max(took)),
              flush=True)
    group = [label for label, _ in todo if not label.startswith("compared: ")]
    total = sum(medians[label] for label in group)
    own = sum(medians[label] for label in group if label in OWN)
    print("the group's status calls: %.2f s, of which the collection's scripts %.2f s (%.0f %%)"
          % (total, own, 100 * own / total if total else 0))
    if copies:
        passive.run("rm -f %s" % " ".join(copies))


if __name__ == "__main__":
    ARGS = sys.argv[1:]
    FILES = []
    while "--compare" in ARGS:
        at = ARGS.index("--compare")
        FILES.append(ARGS[at + 1])
        del ARGS[at:at + 2]
    main(int(ARGS[0]) if ARGS else 5, FILES)
