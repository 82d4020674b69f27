"""How long playbooks/render.yml takes: the reference pair, and N pairs in one inventory.

    .venv/bin/python benchmarks/render.py [--pairs 10] [--runs 2] [--against REV]

Renders inventories/apollo (one pair) and an inventory of N copies of it
(each its own group, hosts and networks) and prints the time of each run,
the load of the machine, and the ratio N pairs / one pair. With --against
REV, the same runs are made, interleaved, from a worktree of REV in the same
session, and the ratio of the two is printed (targets of one-pass rendering:
under a third of the time of one task per file for the reference pair, and N
pairs under N times one pair). No host is contacted.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APOLLO = os.path.join(TOP, "inventories", "apollo")


def pairs_inventory(folder, count):
    """COUNT copies of the apollo pair, renamed pK-a/pK-b, on 10.10.(10+K).0/24."""
    os.makedirs(folder)
    groups = []
    for k in range(count):
        names = {"apollo12": "p%d-a" % k, "apollo13": "p%d-b" % k, "10.10.10.": "10.10.%d." % (10 + k)}

        def renamed(text):
            for old, new in names.items():
                text = text.replace(old, new)
            return text

        for sub in ("group_vars/apollo", "host_vars"):
            for name in sorted(os.listdir(os.path.join(APOLLO, sub))):
                target_dir = os.path.join(folder, renamed(sub).replace("apollo", "pair%d" % k))
                os.makedirs(target_dir, exist_ok=True)
                with open(os.path.join(APOLLO, sub, name), encoding="utf-8") as handle:
                    text = renamed(handle.read())
                with open(os.path.join(target_dir, renamed(name)), "w", encoding="utf-8") as handle:
                    handle.write(text)
        groups.append("        pair%d:\n          hosts:\n            p%d-a:\n            p%d-b:\n" % (k, k, k))
    with open(os.path.join(folder, "hosts.yml"), "w", encoding="utf-8") as handle:
        handle.write("all:\n  children:\n    hapair_pairs:\n      children:\n" + "".join(groups))
    return folder


def worktree(rev, folder):
    subprocess.run(["git", "-C", TOP, "worktree", "add", "--detach", "-f", folder, rev], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    link = os.path.join(folder, ".collections", "ansible_collections", "hapair")
    os.makedirs(link)
    os.symlink(folder, os.path.join(link, "cluster"))
    return folder


def render(tree, inventory, out):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(tree, "ansible.cfg"))
    env.pop("ANSIBLE_STRATEGY", None)
    start = time.time()
    proc = subprocess.run([os.path.join(TOP, ".venv", "bin", "ansible-playbook"), "-i", inventory,
                           os.path.join(tree, "playbooks", "render.yml"), "-e", "render_dir=%s" % out],
                          cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    took = time.time() - start
    if proc.returncode != 0:
        sys.exit("render.yml failed in %s on %s:\n%s" % (tree, inventory, proc.stdout[-3000:]))
    files = sum(len(names) for _, _, names in os.walk(out))
    return took, files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--against", help="a git revision to compare with, in the same session")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="hapair-render-")
    try:
        many = pairs_inventory(os.path.join(work, "pairs"), args.pairs)
        trees = [("this tree", TOP)]
        if args.against:
            trees.append((args.against, worktree(args.against, os.path.join(work, "base"))))
        best = {}
        for run in range(args.runs):
            for label, tree in trees:
                for what, inventory in (("1 pair", APOLLO), ("%d pairs" % args.pairs, many)):
                    out = os.path.join(work, "out-%s-%d-%s" % (len(best), run, what.replace(" ", "")))
                    took, files = render(tree, inventory, out)
                    shutil.rmtree(out)
                    load = os.getloadavg()[0]
                    line = "%-12s %-9s run %d: %6.1f s  %4d files  load %.2f" % (
                        label, what, run + 1, took, files, load)
                    print(line, flush=True)
                    key = (label, what)
                    best[key] = min(best.get(key, took), took)
        print()
        for label, _ in trees:
            one, many_t = best[(label, "1 pair")], best[(label, "%d pairs" % args.pairs)]
            print("%-12s best: 1 pair %.1f s, %d pairs %.1f s = %.1f x one pair" % (
                label, one, args.pairs, many_t, many_t / one))
        if args.against:
            for what in ("1 pair", "%d pairs" % args.pairs):
                print("%s: this tree takes %.2f of %s's time" % (
                    what, best[("this tree", what)] / best[(args.against, what)], args.against))
    finally:
        if args.against:
            subprocess.run(["git", "-C", TOP, "worktree", "remove", "--force", os.path.join(work, "base")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
