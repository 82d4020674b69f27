"""Lab nodes only: keep the bytecode of sources imported from zip archives.

Ansible sends each module call to the node as a zip (AnsiballZ), and Python
compiles the sources in it again on every call: 1 to 2 s of each call on the
lab's emulated CPU. This keeps each compiled source in
/var/cache/hapair-lab-zipcache, named by a hash of the Python version, the
optimization level and the source itself, and gives the code the file name
of the archive it is imported from now (as importlib does for .pyc files).
The code that runs is the code Python would compile; whatever goes wrong
here falls back to compiling. Loaded at start by hapair_lab_zipcache.pth;
part of the lab's image (tests/lab/image), never of the collection.
"""
import zipimport

CACHE = "/var/cache/hapair-lab-zipcache"


def _cached_compile(pathname, source, _compile=zipimport._compile_source):
    import _imp
    import hashlib
    import marshal
    import os
    import sys

    try:
        key = hashlib.sha256(b"%s\0%d\0" % (sys.version.encode(), sys.flags.optimize) + source)
        path = os.path.join(CACHE, key.hexdigest())
        if os.path.exists(path):
            with open(path, "rb") as handle:
                code = marshal.loads(handle.read())
            _imp._fix_co_filename(code, pathname)
            return code
    except Exception:  # pylint: disable=broad-except
        return _compile(pathname, source)
    code = _compile(pathname, source)
    try:
        os.makedirs(CACHE, mode=0o700, exist_ok=True)
        partial = "%s.%d" % (path, os.getpid())
        with open(partial, "wb") as handle:
            handle.write(marshal.dumps(code))
        os.replace(partial, path)
    except OSError:
        pass
    return code


if getattr(zipimport, "_compile_source", None) is not None:
    zipimport._compile_source = _cached_compile
