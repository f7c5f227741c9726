"""The JVM options a session is started with: the log configuration everywhere this process starts the
JVM, and the quick JIT only where the JVM shares its cores with the Python workers (a local master)."""

from prevalence.spark.session import LOCAL_JIT_OPTIONS, session_settings

KEY = "spark.driver.extraJavaOptions"


def test_a_local_master_gets_the_quick_jit_and_the_log_configuration():
    for master in ("local[2]", "local[*]", " local[4,2] "):
        options = session_settings(master)[KEY].split()
        assert LOCAL_JIT_OPTIONS in options
        assert any(o.startswith("-Dlog4j2.configurationFile=file:") for o in options)


def test_a_cluster_master_or_spark_submit_keeps_the_full_jit():
    assert LOCAL_JIT_OPTIONS not in session_settings("spark://127.0.0.1:7077")[KEY].split()
    assert LOCAL_JIT_OPTIONS not in session_settings("yarn")[KEY].split()
    assert LOCAL_JIT_OPTIONS not in session_settings(None)[KEY].split()  # spark-submit started the JVM


def test_the_users_java_options_replace_these_whole():
    assert session_settings("local[2]", ((KEY, "-Xss4m"),))[KEY] == "-Xss4m"
