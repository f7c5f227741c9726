"""The JVM class archive is handed to a local JVM only when it was made for this Java and pyspark."""

import pyspark

from prevalence import build_class_archive
from prevalence.spark import class_archive


def test_no_archive_gives_no_options(tmp_path, monkeypatch):
    monkeypatch.setattr(class_archive, "ARCHIVE_DIR", tmp_path)
    assert class_archive.ready_archive() is None
    assert class_archive.java_options() == ""
    assert build_class_archive.main(["--check"]) == 1


def test_an_archive_for_this_java_and_pyspark_is_used_unless_switched_off(tmp_path, monkeypatch):
    monkeypatch.setattr(class_archive, "ARCHIVE_DIR", tmp_path)
    path = class_archive.archive_path()
    assert path.parent == tmp_path
    path.write_bytes(b"archive")
    assert class_archive.java_options().split()[0] == f"-XX:SharedArchiveFile={path}"
    assert build_class_archive.main(["--check"]) == 0
    monkeypatch.setenv("PREVALENCE_CLASS_ARCHIVE", "off")
    assert class_archive.java_options() == ""


def test_another_pyspark_or_java_needs_another_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(class_archive, "ARCHIVE_DIR", tmp_path)
    path = class_archive.archive_path()
    path.write_bytes(b"archive")
    monkeypatch.setattr(pyspark, "__version__", "0.0.1")
    assert class_archive.archive_path() != path and class_archive.java_options() == ""
    monkeypatch.undo()
    monkeypatch.setattr(class_archive, "ARCHIVE_DIR", tmp_path)
    other_java = tmp_path / "java"
    other_java.write_bytes(b"#!")
    monkeypatch.setattr(class_archive, "java_binary", lambda: str(other_java))
    assert class_archive.archive_path() != path


def test_without_java_there_is_no_archive(monkeypatch):
    monkeypatch.setattr(class_archive, "java_binary", lambda: None)
    assert class_archive.archive_path() is None and class_archive.java_options() == ""
