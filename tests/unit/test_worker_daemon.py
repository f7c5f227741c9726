"""The local session's worker daemon drops PySpark's bundled zips only where the same pyspark is
installed beside them, and only a local master gets it."""

import sys

import pytest

from prevalence.spark import daemon
from prevalence.spark.session import session_settings


def _install(site, packages=("pyspark", "py4j")):
    """A site folder holding `packages` and PySpark's bundled zips, as a pip install lays them out."""
    lib = site / "pyspark" / "python" / "lib"
    lib.mkdir(parents=True)
    for package in packages:
        (site / package).mkdir(exist_ok=True)
        (site / package / "__init__.py").write_text("")
    for name in ("pyspark.zip", "py4j-0.10.9.9-src.zip"):
        (lib / name).write_bytes(b"")
    return str(lib / "pyspark.zip"), str(lib / "py4j-0.10.9.9-src.zip")


def test_a_bundled_zip_with_its_package_installed_on_the_path_is_a_twin(tmp_path):
    site = tmp_path / "site-packages"
    pyspark_zip, py4j_zip = _install(site)
    path = [pyspark_zip, py4j_zip, str(site)]
    assert daemon.installed_twin(pyspark_zip, path)
    assert daemon.installed_twin(py4j_zip, path)
    assert not daemon.installed_twin(str(site), path)  # not a zip


def test_no_twin_without_the_site_on_the_path_or_without_the_package(tmp_path):
    site = tmp_path / "site-packages"
    pyspark_zip, py4j_zip = _install(site, packages=("pyspark",))
    assert not daemon.installed_twin(pyspark_zip, [pyspark_zip, str(tmp_path / "elsewhere")])  # a cluster's own Spark
    assert not daemon.installed_twin(py4j_zip, [py4j_zip, str(site)])  # py4j is not installed there
    other = tmp_path / "job.zip"
    other.write_bytes(b"")
    assert not daemon.installed_twin(str(other), [str(other), str(site)])  # --py-files stay


def test_the_twins_leave_the_path_and_the_importer_cache(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    pyspark_zip, py4j_zip = _install(site)
    other = str(tmp_path / "job.zip")
    monkeypatch.setattr(sys, "path", [pyspark_zip, py4j_zip, other, str(site)])
    monkeypatch.setattr(sys, "path_importer_cache", {pyspark_zip: object(), other: object()})
    assert daemon.use_installed_pyspark() == [pyspark_zip, py4j_zip]
    assert sys.path == [other, str(site)]
    assert list(sys.path_importer_cache) == [other]


def test_a_jar_of_the_installed_pyspark_leaves_the_path_and_its_cached_importers(tmp_path, monkeypatch):
    """Spark puts its spark-core jar (no Python in it) on the workers' path; the daemon drops it where
    pyspark is installed in a site folder on the path, with the importers cached for its folders."""
    site = tmp_path / "site-packages"
    pyspark_zip, py4j_zip = _install(site)
    (site / "pyspark" / "jars").mkdir()
    jar = str(site / "pyspark" / "jars" / "spark-core_2.13-4.3.0.jar")
    elsewhere = str(tmp_path / "cluster" / "pyspark" / "jars" / "spark-core_2.13-4.3.0.jar")  # not under a site on the path
    user_jar = str(tmp_path / "job.jar")
    assert daemon.installed_jar(jar, [jar, str(site)])
    assert not daemon.installed_jar(jar, [jar])  # the site folder is not on the path
    assert not daemon.installed_jar(elsewhere, [elsewhere, str(site)]) and not daemon.installed_jar(user_jar, [user_jar, str(site)])
    assert not daemon.installed_jar(str(site / "pyspark" / "jars"), [str(site)])  # a folder, not a jar
    monkeypatch.setattr(sys, "path", [pyspark_zip, jar, user_jar, str(site)])
    monkeypatch.setattr(sys, "path_importer_cache", {jar: object(), jar + "/org": object(), user_jar: object(), jar + "x": object()})
    assert daemon.use_installed_pyspark() == [pyspark_zip, jar]
    assert sys.path == [user_jar, str(site)]
    assert sorted(sys.path_importer_cache) == sorted([user_jar, jar + "x"])


def test_only_a_local_master_gets_the_daemon_and_a_setting_overrides_it():
    key = "spark.python.daemon.module"
    assert session_settings("local[2]")[key] == "prevalence.spark.daemon"
    assert key not in session_settings("spark://127.0.0.1:7077")
    assert key not in session_settings(None)  # spark-submit's session
    assert session_settings("local[*]", ((key, "pyspark.daemon"),))[key] == "pyspark.daemon"


def test_a_pending_session_raises_its_error_in_the_caller(monkeypatch):
    from prevalence.errors import PrevalenceError
    from prevalence.spark import session

    def fail(master, extra, log_path=None):
        raise PrevalenceError("Spark could not start")

    monkeypatch.setattr(session, "build_session", fail)
    pending = session.PendingSession("local[2]")
    with pytest.raises(PrevalenceError, match="could not start"):
        pending.result()
    pending.stop()  # nothing was built: nothing to stop
