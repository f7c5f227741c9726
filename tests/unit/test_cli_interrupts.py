"""Ctrl-C ends a command in one line: the traceback py4j logs on the root logger when an interrupt stops
a command it sent is dropped, and every other record is logged as before."""

import logging

from prevalence.cli import _NoInterruptTracebacks, quiet_interrupts


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_interrupts_logged_where_py4j_logs_are_dropped_and_other_errors_are_not(monkeypatch):
    root = logging.getLogger()
    for name in ("", "py4j.java_gateway", "py4j.clientserver"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "filters", list(logger.filters))
    collect = Collect()
    root.addHandler(collect)
    try:
        quiet_interrupts()
        quiet_interrupts()  # once is enough
        assert sum(isinstance(f, _NoInterruptTracebacks) for f in root.filters) == 1
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            logging.exception("KeyboardInterrupt while sending command.")  # what py4j's gateway does
            try:
                raise OSError("Bad file descriptor")
            except OSError:  # closing the connection then fails: py4j's clientserver logs that
                logging.getLogger("py4j.clientserver").exception("Exception occurred while shutting down connection")
        try:
            raise ValueError("something else")
        except ValueError:
            logging.exception("Exception while sending command.")
            logging.getLogger("py4j.clientserver").exception("a py4j error of its own")
        logging.getLogger("some.library").warning("a library's warning")
    finally:
        root.removeHandler(collect)
    assert [r.getMessage() for r in collect.records] == ["Exception while sending command.", "a py4j error of its own",
                                                         "a library's warning"]


def test_an_error_raised_while_an_interrupt_is_handled_is_an_interrupt():
    from prevalence.cli import _after_interrupt

    def cleanup_fails_after_ctrl_c():
        try:
            raise KeyboardInterrupt
        finally:
            raise ConnectionError("Answer from Java side is empty")  # py4j's next command, as seen after Ctrl-C

    try:
        cleanup_fails_after_ctrl_c()
    except ConnectionError as error:
        assert _after_interrupt(error)
    assert not _after_interrupt(ValueError("a plain error"))
    looped = ValueError("its own context")
    looped.__context__ = looped
    assert not _after_interrupt(looped)
