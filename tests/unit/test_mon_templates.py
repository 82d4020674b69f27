"""roles/mon: what tasks/render.yml writes, the alert script, and mon's own parser.

The role's render entry point runs against a small inventory (the report's
hubble watch plus cases the report does not have), on the controller only.
"""
import os
import re
import stat
import subprocess
import textwrap

import pytest
import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(TOP, ".venv", "bin")
ALERT = os.path.join(TOP, "roles", "mon", "files", "ha-up-down.alert")

# The report's mon.cf, hubble watch (its lines, leading blanks dropped).
REPORT_WATCH = """\
hostgroup vserver_hubble hubble.dr12.cnrs.fr
watch vserver_hubble
service http
interval 30s
monitor http.monitor
period wd {Mon-Fri} hr {2am-11pm}
alert ha-up-down.alert -S "Service http on hubble down !" supervision@dr12.cnrs.fr
upalert mail.alert -S "Service http on hubble up !" supervision@dr12.cnrs.fr
"""

REPORT_GLOBALS = {
    "cfbasedir": "/etc/mon",
    "alertdir": "/usr/lib/mon/alert.d",
    "mondir": "/usr/lib/mon/mon.d",
    "startupalerts_on_reset": "yes",
    "maxprocs": "20",
    "histlength": "100",
    "randstart": "10s",
    "logdir": "/var/log/mon/",
    "dtlogging": "yes",
    "dtlogfile": "dtlog",
}

INVENTORY = {
    "all": {"children": {"hapair_pairs": {"children": {
        "pair": {
            "hosts": {"n1": {}, "n2": {}},
            "vars": {
                "hapair_nodes": ["n1", "n2"],
                "hapair_guest_defaults": {"domain": "dr12.cnrs.fr"},
                "drbd_resources": [{"name": "r0", "mountpoint": "/srv"}],
                "hapair_guests": [
                    {"name": "hubble", "address": "10.10.10.12/24", "services": [{
                        "service": "http", "interval": "30s", "monitor": "http.monitor",
                        "period": "wd {Mon-Fri} hr {2am-11pm}",
                        "alert": "ha-up-down.alert",
                        "alert_subject": "Service http on hubble down !",
                        "upalert": "mail.alert",
                        "upalert_subject": "Service http on hubble up !",
                        "recipients": ["supervision@dr12.cnrs.fr"],
                        # the report's watch has no alertevery: Mon alerts at
                        # every failed check, as the report's did
                        "alertevery": "",
                    }]},
                    # No services: named in /etc/hosts, not watched.
                    {"name": "hebdo", "address": "10.10.10.11/24"},
                    # Defaults, two services, two recipients, a quote in a subject.
                    {"name": "web1", "hostname": "www", "domain": "lab.test",
                     "address": "10.10.10.21/24", "services": [
                         {"service": "http", "monitor": "http.monitor", "alert": "ha-up-down.alert",
                          "recipients": ["root@localhost", "ops@lab.test"], "alertevery": "1h"},
                         {"service": "smtp", "monitor": "smtp.monitor -t 60", "interval": "5m",
                          "alert_subject": 'say "down"', "recipients": ["root@localhost"]},
                     ]},
                ],
            },
        },
    }}}},
}

PLAYBOOK = """\
- name: Render the Mon files
  hosts: hapair_pairs
  gather_facts: false
  tasks:
    - name: Render the Mon files
      ansible.builtin.include_role:
        name: hapair.cluster.mon
        tasks_from: render.yml
"""


def render(tmp, inventory, *extra):
    out = tmp / "out"
    (tmp / "hosts.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (tmp / "render.yml").write_text(PLAYBOOK, encoding="utf-8")
    env = dict(os.environ)
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_CONFIG"] = os.path.join(TOP, "ansible.cfg")
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(TOP, ".collections")
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp / "ansible-local")
    env["ANSIBLE_SSH_EXECUTABLE"] = "/bin/false"  # no host is ever contacted
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(tmp / "hosts.yml"),
           str(tmp / "render.yml"), "-e", "hapair_render_dir=%s" % out] + list(extra)
    proc = subprocess.run(cmd, cwd=TOP, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render(tmp_path_factory.mktemp("mon"), INVENTORY)


def read(root, node, path):
    with open(os.path.join(str(root), node, path.lstrip("/")), encoding="utf-8") as handle:
        return handle.read()


def body(text):
    """mon.cf without comments and blank lines, leading blanks dropped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_mon_cf_globals_are_the_report_ones(rendered):
    text = read(rendered, "n1", "/etc/mon/mon.cf")
    assert text.startswith("# Managed by hapair.cluster")
    found = dict(re.findall(r"^(\w+) = (.*)$", text, re.M))
    for key, value in REPORT_GLOBALS.items():
        assert found.pop(key) == value, key
    # Not in the report: mon's ports stay on loopback.
    assert found == {"serverbind": "127.0.0.1", "trapbind": "127.0.0.1"}


def test_mon_cf_hubble_watch_is_the_report_text(rendered):
    """The report's watch, with what its ha-up-down.alert did made explicit:
    -F (the alert moves the group) after alertafter 3 failed checks."""
    lines = body(read(rendered, "n1", "/etc/mon/mon.cf"))
    start = lines.index("watch vserver_hubble")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("upalert "))
    assert "alertafter 3" in lines[start:end]
    watch = [line for line in lines[start:end + 1] if line not in ("alertevery 1h", "alertafter 3")]
    expected = REPORT_WATCH.replace("alert ha-up-down.alert -S", "alert ha-up-down.alert -F -S")
    assert "\n".join(["hostgroup vserver_hubble hubble.dr12.cnrs.fr"] + watch) + "\n" == expected


def test_mon_cf_is_the_same_on_both_nodes(rendered):
    assert read(rendered, "n1", "/etc/mon/mon.cf") == read(rendered, "n2", "/etc/mon/mon.cf")


def test_watches_end_at_a_blank_line_and_hold_no_blank_line(rendered):
    text = read(rendered, "n1", "/etc/mon/mon.cf")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    watches = [b for b in blocks if b.startswith("watch ")]
    assert [b.splitlines()[0] for b in watches] == ["watch vserver_hubble", "watch vserver_web1"]
    hostgroups = [b for b in blocks if b.startswith("hostgroup ")]
    assert len(hostgroups) == 1 and "hostgroup vserver_hubble hubble.dr12.cnrs.fr" in hostgroups[0]


def test_guest_without_services_is_not_watched(rendered):
    text = read(rendered, "n1", "/etc/mon/mon.cf")
    assert "hebdo" not in text


def test_defaults_subjects_and_extra_keywords(rendered):
    text = read(rendered, "n1", "/etc/mon/mon.cf")
    watch = text[text.index("watch vserver_web1"):]
    assert "hostgroup vserver_web1 www.lab.test" in text
    expected = textwrap.dedent("""\
        watch vserver_web1
          service http
            interval 30s
            monitor http.monitor
            period wd {Sun-Sat}
              alertevery 1h
              alertafter 3
              alert ha-up-down.alert -F -S "Service http on web1 down !" root@localhost ops@lab.test
              upalert mail.alert -S "Service http on web1 up !" root@localhost ops@lab.test
          service smtp
            interval 5m
            monitor smtp.monitor -t 60
            period wd {Sun-Sat}
              alertevery 1h
              alert mail.alert -S "say \\"down\\"" root@localhost
              upalert mail.alert -S "Service smtp on web1 up !" root@localhost
        """)
    assert watch == expected


def test_hosts_block_names_every_guest(rendered):
    text = read(rendered, "n1", "/etc/hosts.hapair-guests")
    assert text.splitlines() == [
        "# BEGIN hapair.cluster guests (role mon)",
        "10.10.10.12 hubble.dr12.cnrs.fr hubble",
        "10.10.10.11 hebdo.dr12.cnrs.fr hebdo",
        "10.10.10.21 www.lab.test www",
        "# END hapair.cluster guests (role mon)",
    ]


def test_alert_script_and_drop_in_are_rendered(rendered):
    path = os.path.join(str(rendered), "n1", "usr/lib/mon/alert.d/ha-up-down.alert")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    with open(path, encoding="utf-8") as rendered_alert, open(ALERT, encoding="utf-8") as source:
        assert rendered_alert.read() == source.read()
    drop_in = read(rendered, "n1", "/etc/systemd/system/mon.service.d/hapair.conf")
    assert "RuntimeDirectory=hapair/mon" in drop_in
    assert "ExecReload=/bin/kill -HUP $MAINPID" in drop_in


def exim_settings(root, node):
    text = read(root, node, "/etc/exim4/update-exim4.conf.conf")
    return dict(re.findall(r"^(\w+)='(.*)'$", text, re.M))


def test_exim_delivers_locally_without_relay(rendered):
    conf = exim_settings(rendered, "n1")
    assert conf["dc_eximconfig_configtype"] == "local"
    assert conf["dc_smarthost"] == ""
    assert conf["dc_localdelivery"] == "mail_spool"
    assert conf["dc_other_hostnames"] == "n1:/etc/mailname"
    assert conf["dc_local_interfaces"] == "127.0.0.1 ; ::1"


def test_exim_relays_when_asked_and_mta_can_be_left_alone(tmp_path):
    out = render(tmp_path, INVENTORY, "-e", "mon_mail_relay=smtp.example.org::587")
    conf = exim_settings(out, "n2")
    assert conf["dc_eximconfig_configtype"] == "smarthost"
    assert conf["dc_smarthost"] == "smtp.example.org::587"
    (tmp_path / "nomta").mkdir()
    out = render(tmp_path / "nomta", INVENTORY, "-e", '{"mon_manage_mta": false}')
    assert not os.path.exists(os.path.join(str(out), "n1", "etc/exim4"))
    assert os.path.exists(os.path.join(str(out), "n1", "etc/mon/mon.cf"))


# ha-up-down.alert, run the way mon runs it.

@pytest.fixture
def alert_env(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    sendmail = tmp_path / "sendmail"
    sendmail.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" > "%s/args"\ncat > "%s/mail"\n' % (tmp_path, tmp_path))
    sendmail.chmod(0o755)
    env = dict(os.environ, HAPAIR_MON_STATE_DIR=str(state), HAPAIR_MON_SENDMAIL=str(sendmail))
    env.pop("MON_ALERTTYPE", None)
    return tmp_path, env


def run_alert(env, *args, stdin="hubble.dr12.cnrs.fr: connection refused\ndetail one\n"):
    return subprocess.run([ALERT] + list(args), input=stdin, env=env, capture_output=True,
                          text=True, timeout=30, check=False)


MON_ARGS = ["-s", "http", "-g", "vserver_hubble", "-h", "hubble.dr12.cnrs.fr", "-t", "1700000000"]


def test_alert_mails_like_mail_alert_and_records_down(alert_env):
    tmp, env = alert_env
    proc = run_alert(env, *MON_ARGS, "-S", "Service http on hubble down !", "a@x.test", "b@x.test")
    assert proc.returncode == 0, proc.stderr
    assert (tmp / "state" / "vserver_hubble.http").read_text() == "down\n"
    mail = (tmp / "mail").read_text()
    assert "To: a@x.test,b@x.test\n" in mail
    assert re.search(r"^Subject: ALERT vserver_hubble/http: Service http on hubble down ! \(.*\)$", mail, re.M)
    assert "Summary               : hubble.dr12.cnrs.fr: connection refused\n" in mail
    assert "Members               : hubble.dr12.cnrs.fr\n" in mail
    assert mail.rstrip().endswith("detail one")
    assert (tmp / "args").read_text().split() == ["-oi", "-t"]


def test_upalert_records_up_and_uses_the_summary_without_subject(alert_env):
    tmp, env = alert_env
    proc = run_alert(env, *(MON_ARGS + ["-u", "-f", "mon@n1", "root@localhost"]), stdin="all fine\n")
    assert proc.returncode == 0, proc.stderr
    assert (tmp / "state" / "vserver_hubble.http").read_text() == "up\n"
    assert re.search(r"^Subject: UPALERT vserver_hubble/http: all fine \(", (tmp / "mail").read_text(), re.M)
    assert (tmp / "args").read_text().split() == ["-oi", "-t", "-f", "mon@n1"]


def test_startup_and_ack_alerts_do_not_change_the_state(alert_env):
    tmp, env = alert_env
    assert run_alert(dict(env, MON_ALERTTYPE="startup"), *MON_ARGS, "root").returncode == 0
    assert run_alert(env, *(MON_ARGS + ["-a", "root"])).returncode == 0
    assert not (tmp / "state" / "vserver_hubble.http").exists()


def test_alert_reports_what_it_could_not_do(alert_env):
    tmp, env = alert_env
    env = dict(env, HAPAIR_MON_STATE_DIR=str(tmp / "missing"), HAPAIR_MON_SENDMAIL="/bin/false")
    proc = run_alert(env, *MON_ARGS, "root")
    assert proc.returncode == 1
    assert proc.stderr == ""


def test_alert_passes_shellcheck(tool):
    proc = subprocess.run([tool("shellcheck", "shellcheck"), ALERT], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


# mon's own parser. mon has no check-only option: it reads mon.cf first and
# stops with "cf error: ..., line N" when the file is wrong; given an auth
# file that does not exist, it then stops right after parsing, having bound
# no port and run no monitor. The mon script comes from a `dpkg-deb -x` of the
# mon and libtime-period-perl packages into $HAPAIR_MON_ROOT or .venv/tools-root,
# or from an installed mon.

def mon_command():
    roots = [os.environ.get("HAPAIR_MON_ROOT", ""), os.path.join(TOP, ".venv", "tools-root"), "/"]
    for root in roots:
        mon = os.path.join(root, "usr/sbin/mon")
        if root and os.path.exists(mon):
            env = dict(os.environ)
            env["PERL5LIB"] = os.path.join(root, "usr/share/perl5")
            return ["perl", mon], env
    return None, None


MON, MON_ENV = mon_command()
MON_MISSING = "mon is not there: scripts/setup.sh unpacks the mon packages into .venv/tools-root"


@pytest.fixture(name="mon")
def fixture_mon():
    """Fails (never skips) the test when mon is missing."""
    if MON is None:
        pytest.fail(MON_MISSING, pytrace=False)


def mon_check(path, tmp):
    (tmp / "log").mkdir(exist_ok=True)
    (tmp / "state").mkdir(exist_ok=True)
    missing = str(tmp / "no-auth.cf")
    proc = subprocess.run(MON + ["-c", str(path), "-A", missing, "-P", "", "-L", str(tmp / "log"),
                                 "-D", str(tmp / "state")],
                          env=MON_ENV, capture_output=True, text=True, timeout=60, check=False)
    parsed = proc.stderr.strip() == "could not open %s: No such file or directory" % missing
    return parsed, proc.stderr


def test_mon_parses_the_rendered_mon_cf(mon, rendered, tmp_path):
    parsed, err = mon_check(os.path.join(str(rendered), "n1", "etc/mon/mon.cf"), tmp_path)
    assert parsed, err


def test_mon_check_catches_a_wrong_mon_cf(mon, rendered, tmp_path):
    text = read(rendered, "n1", "/etc/mon/mon.cf").replace("interval 30s", "interval 30q", 1)
    (tmp_path / "bad.cf").write_text(text)
    parsed, err = mon_check(tmp_path / "bad.cf", tmp_path)
    assert not parsed and "cf error" in err


def test_shipped_monitors_list():
    with open(os.path.join(TOP, "roles", "mon", "vars", "main.yml"), encoding="utf-8") as handle:
        monitors = yaml.safe_load(handle)["mon_shipped_monitors"]
    assert monitors == sorted(set(monitors))
    for name in ("http.monitor", "fping.monitor", "smtp.monitor", "tcp.monitor", "ping.monitor"):
        assert name in monitors
