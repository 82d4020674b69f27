"""The lab image's bytecode cache for zip imports (hapair_lab_zipcache).

It replaces zipimport's compile step on the lab nodes: a source compiled once
is loaded from the cache afterwards, under the file name of the archive it is
imported from now, and the code behaves as if compiled there.
"""
import importlib.util
import os
import zipfile
import zipimport

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(HERE, "..", "image", "rootfs", "usr", "lib", "python3",
                      "dist-packages", "hapair_lab_zipcache.py")
SOURCE = "import sys\n\ndef where():\n    return __file__, where.__code__.co_filename\n\nVALUE = 6 * 7\n"


@pytest.fixture(name="zipcache")
def fixture_zipcache(tmp_path, monkeypatch):
    original = zipimport._compile_source  # pylint: disable=protected-access
    compiled = []

    def counting_compile(pathname, source):
        compiled.append(pathname)
        return original(pathname, source)

    # the cache wraps whatever compiles zip sources when it loads
    zipimport._compile_source = counting_compile  # pylint: disable=protected-access
    spec = importlib.util.spec_from_file_location("hapair_lab_zipcache_under_test", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CACHE", str(tmp_path / "cache"))
    module.compiled = compiled
    yield module
    zipimport._compile_source = original  # pylint: disable=protected-access


def import_from_zip(folder, name, source):
    archive = os.path.join(folder, name + ".zip")
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("labmod.py", source)
    spec = zipimport.zipimporter(archive).find_spec("labmod")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return archive, module


def test_second_import_comes_from_the_cache_under_its_own_name(zipcache, tmp_path):
    first_zip, first = import_from_zip(str(tmp_path), "first", SOURCE)
    assert first.VALUE == 42
    cached = os.listdir(zipcache.CACHE)
    assert len(cached) == 1

    second_zip, second = import_from_zip(str(tmp_path), "second", SOURCE)
    assert zipcache.compiled == [os.path.join(first_zip, "labmod.py")]
    assert os.listdir(zipcache.CACHE) == cached
    assert second.VALUE == 42
    file_name, code_name = second.where()
    assert file_name == code_name == os.path.join(second_zip, "labmod.py")
    assert first_zip != second_zip


def test_another_source_is_compiled_on_its_own(zipcache, tmp_path):
    import_from_zip(str(tmp_path), "first", SOURCE)
    _, other = import_from_zip(str(tmp_path), "other", SOURCE.replace("6 * 7", "6 * 9"))
    assert other.VALUE == 54
    assert len(zipcache.compiled) == 2
    assert len(os.listdir(zipcache.CACHE)) == 2


def test_a_broken_cache_entry_falls_back_to_compiling(zipcache, tmp_path):
    import_from_zip(str(tmp_path), "first", SOURCE)
    (entry,) = os.listdir(zipcache.CACHE)
    with open(os.path.join(zipcache.CACHE, entry), "wb") as handle:
        handle.write(b"not marshal data")
    _, again = import_from_zip(str(tmp_path), "again", SOURCE)
    assert again.VALUE == 42


def test_an_unwritable_cache_still_imports(zipcache, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    zipcache.CACHE = str(blocker / "cache")
    _, module = import_from_zip(str(tmp_path), "first", SOURCE)
    assert module.VALUE == 42
