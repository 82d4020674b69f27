"""site.yml's check of what already runs on a pair (pair_decisions.existing_pair
and its filter), on pair_status results made up here."""
import copy

from ansible_collections.hapair.cluster.plugins.filter import pair_decisions as filters
from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_decisions as pd

NODES = ["node1", "node2"]
WANTED = [{"name": "r0", "minor": 3, "device": "/dev/drbd3", "mountpoint": "/srv", "fstype": "ext4",
           "disks": {"node1": "/dev/vdb", "node2": "/dev/disk/by-id/virtio-data"}}]
HEALTHY = dict(configured=True, cstate="Connected", disk="UpToDate", peer_disk="UpToDate", healthy=True)


def status(name, primary=False, heartbeat=True, blank=False, **res_changes):
    """pair_status of NAME, reduced to what the decision reads."""
    other = [n for n in NODES if n != name][0]
    if blank:
        res = dict(name="r0", minor=3, mountpoint="/srv", configured=False, backing=[], disks={},
                   mounted_from=None, fstype=None, healthy=False, summary="Unconfigured",
                   error="drbdadm is not installed")
    else:
        disk = WANTED[0]["disks"][name]
        real = "/dev/vdb" if name == "node1" else "/dev/vdc"
        res = dict(HEALTHY, name="r0", minor=3, mountpoint="/srv", backing=[real], disks={disk: real},
                   mounted_from="/dev/drbd3" if primary else None, fstype="ext4" if primary else None,
                   summary="role %s, connection Connected, disk UpToDate/UpToDate"
                   % ("Primary" if primary else "Secondary"), error=None)
    res.update(res_changes)
    return dict(node=name, drbd=dict(resources=[res]),
                stack=dict(name="heartbeat", installed=True, running=heartbeat, enabled=True,
                           nodes={name: "active", other: "active"} if heartbeat else {}),
                holds_any=primary, summary=["%s: %s" % (name, res["summary"])])


def running(**changes):
    pair = {"node1": status("node1"), "node2": status("node2", primary=True)}
    for node, change in changes.items():
        pair[node] = status(node, primary=node == "node2", **change)
    return pair


def test_a_blank_pair_is_built():
    verdict = pd.existing_pair(NODES, {n: status(n, heartbeat=False, blank=True) for n in NODES}, WANTED, {})
    assert verdict["problems"] == [] and not verdict["adopting"] and verdict["running"] == []
    assert "nothing of the pair runs yet" in verdict["message"][0]


def test_a_healthy_pair_built_by_hand_is_taken_over():
    verdict = pd.existing_pair(NODES, running(), WANTED, {})
    assert verdict["problems"] == [] and verdict["adopting"]
    assert "takes it over" in verdict["message"][0]


def test_a_degraded_pair_built_by_hand_is_refused_and_says_why():
    pair = running(node1=dict(cstate="WFConnection", peer_disk="DUnknown", healthy=False,
                              summary="role Secondary, connection WFConnection, disk UpToDate/DUnknown"))
    verdict = pd.existing_pair(NODES, pair, WANTED, {})
    text = "\n".join(verdict["message"])
    assert verdict["problems"] and verdict["adopting"]
    assert "REFUSED on the pair node1 + node2 before changing anything" in text
    assert "not managed it yet" in text and "WFConnection" in text and "--check --diff" in text


def test_a_degraded_pair_the_collection_manages_is_repaired_not_refused():
    pair = running(node1=dict(cstate="WFConnection", peer_disk="DUnknown", healthy=False))
    verdict = pd.existing_pair(NODES, pair, WANTED, {"node1": True, "node2": True})
    assert verdict["problems"] == [] and not verdict["adopting"]


def test_heartbeat_down_on_one_node_refuses_a_pair_built_by_hand():
    pair = running()
    pair["node1"] = status("node1", heartbeat=False)
    verdict = pd.existing_pair(NODES, pair, WANTED, {})
    assert "Heartbeat is not running on node1" in verdict["problems"]


def test_a_resource_on_another_disk_is_refused_even_when_managed():
    pair = running(node1=dict(backing=["/dev/vdc"], disks={"/dev/vdb": "/dev/vdb"}))
    verdict = pd.existing_pair(NODES, pair, WANTED, {"node1": True, "node2": True})
    assert len(verdict["problems"]) == 1
    problem = verdict["problems"][0]
    assert problem.startswith("node1: DRBD r0 runs on /dev/vdc (the devices under /dev/drbd3)")
    assert "disk for node1 is /dev/vdb" in problem and "export.yml" in problem


def test_a_disk_named_by_a_link_is_the_device_it_names():
    verdict = pd.existing_pair(NODES, running(), WANTED, {})
    assert verdict["problems"] == []
    pair = running(node2=dict(disks={"/dev/disk/by-id/virtio-data": "/dev/vdd"}))
    problem = pd.existing_pair(NODES, pair, WANTED, {})["problems"][0]
    assert "/dev/disk/by-id/virtio-data (/dev/vdd on the node)" in problem


def test_a_missing_disk_is_said_so():
    pair = running(node1=dict(disks={"/dev/vdb": None}))
    problem = pd.existing_pair(NODES, pair, WANTED, {})["problems"][0]
    assert "/dev/vdb (no such device on the node)" in problem


def test_another_filesystem_type_is_refused_never_made():
    pair = running()
    pair["node2"]["drbd"]["resources"][0]["fstype"] = "ext3"
    problem = pd.existing_pair(NODES, pair, WANTED, {"node1": True, "node2": True})["problems"][0]
    assert "node2: /srv holds ext3 (mounted from /dev/drbd3), but drbd_resources r0 says fstype ext4" in problem
    assert "set fstype: ext3" in problem


def test_a_mountpoint_mounted_from_another_device_is_refused():
    pair = running()
    pair["node2"]["drbd"]["resources"][0]["mounted_from"] = "/dev/drbd0"
    problem = pd.existing_pair(NODES, pair, WANTED, {})["problems"][0]
    assert "node2: /srv is mounted from /dev/drbd0, not from DRBD r0's /dev/drbd3" in problem


def test_an_unread_node_is_refused():
    pair = running()
    pair["node1"] = {"unreachable": True, "msg": "ssh: timeout"}
    verdict = pd.existing_pair(NODES, pair, WANTED, {})
    assert verdict["problems"] == ["node1 cannot be read (ssh: timeout)"]


def test_the_filter_reads_hostvars_and_the_markers():
    hostvars = {n: {"hapair_existing_read": copy.deepcopy(s)} for n, s in running().items()}
    statuses = filters.node_results(hostvars, NODES, "hapair_existing_read")
    markers = {"node1": {"stat": {"exists": True}}, "node2": {"stat": {"exists": False}}}
    verdict = filters.existing_pair(statuses, NODES, WANTED, markers)
    assert not verdict["adopting"] and verdict["problems"] == []
    verdict = filters.existing_pair(statuses, NODES, WANTED, {n: {"stat": {"exists": False}} for n in NODES})
    assert verdict["adopting"]
