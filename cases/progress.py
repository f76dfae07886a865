"""Progress bars for the long management commands, drawn only where a person watches.

A bar goes to the command's stderr and only when that stream is a terminal: piped or captured
output (CI, cron, the tests) gets no bar and nothing else extra, and stdout stays the command's
report. `--no-progress` turns it off on a terminal too.
"""

import sys
from contextlib import contextmanager

from tqdm import tqdm


def add_argument(parser):
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="Draw no progress bar (one is drawn only when stderr is a terminal).",
    )


def silent(iterable=None, **options):
    """The stand-in for `bars()` where nobody watches: the iterable, unchanged."""
    return iterable


def shown(options):
    """Whether a command called with `options` draws a bar."""
    # Django's OutputWrapper would end every write of the bar with a newline: draw on the raw
    # stream the command was given (call_command's stderr=, else the process's).
    stream = options.get("stderr") or sys.stderr
    return not options.get("no_progress") and options.get("verbosity", 1) > 0 and stream.isatty()


def bars(options):
    """A tqdm factory for a command: `bars(options)(iterable, total=..., desc=..., unit=...)`.

    Where no bar is shown (see `shown`) the bars are disabled: an iterable passes through
    unchanged and `update()` does nothing, so callers use them unconditionally.
    """
    stream = options.get("stderr") or sys.stderr
    disable = not shown(options)

    def bar(iterable=None, **tqdm_options):
        return tqdm(iterable, file=stream, disable=disable, dynamic_ncols=True, **tqdm_options)

    return bar


@contextmanager
def reporting(options, *, total, unit, otherwise):
    """A `progress(done, total)` callback for code that reports counts (bench.synthetic).

    On a terminal it moves a bar; elsewhere it calls `otherwise(done, total)`, the command's
    own occasional lines for logs.
    """
    if not shown(options):
        yield otherwise
        return
    with bars(options)(total=total, unit=unit) as bar:

        def advance(done, total):
            bar.update(done - bar.n)

        yield advance
