"""The lab image's HA stack packages (image/stack-packages.txt) are exactly
what the roles install with their defaults on an nspawn pair whose guests
come from a template, as in the lab: a package added to a role is added to
the image, or the image would hide that it is missing from a new server."""
import os

import jinja2
import yaml

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
STACK_FILE = os.path.join(TOP, "tests", "lab", "image", "stack-packages.txt")


def role_file(role, kind):
    with open(os.path.join(TOP, "roles", role, kind, "main.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def image_stack():
    with open(STACK_FILE, encoding="utf-8") as f:
        lines = (line.split("#", 1)[0].strip() for line in f)
        return [line for line in lines if line]


def roles_packages():
    defaults = {role: role_file(role, "defaults") for role in ("drbd", "heartbeat", "csync2", "mon")}
    wanted = (defaults["drbd"]["drbd_packages"] + defaults["heartbeat"]["heartbeat_packages"]
              + defaults["csync2"]["csync2_packages"] + defaults["mon"]["mon_packages"]
              + (defaults["mon"]["mon_mta_packages"] if defaults["mon"]["mon_manage_mta"] else []))
    host_vars = role_file("vserver_host", "vars")
    host_defaults = role_file("vserver_host", "defaults")
    expression = host_vars["__vserver_host_packages"].strip()
    assert expression.startswith("{{") and expression.endswith("}}")
    guests = jinja2.Environment().compile_expression(expression[2:-2])(
        hapair_model={"guest_backend": "nspawn"},
        vserver_host_method=host_defaults["vserver_host_method"],
        vserver_host_template_src="/a/template.tar.gz",
        vserver_host_extra_packages=host_defaults["vserver_host_extra_packages"])
    return wanted + list(guests)


def test_image_stack_is_what_the_roles_install():
    assert sorted(image_stack()) == sorted(set(roles_packages()))


def test_image_stack_has_no_duplicate():
    assert len(image_stack()) == len(set(image_stack()))
