"""Root pytest configuration: tests (and nbval re-runs of committed reports) never write into the repository.

Notebooks record into ``$SEQREC_OUTPUT_ROOT`` when their ``OUTPUT_ROOT`` parameter is unset, so it is pointed at
a fresh temporary folder before any notebook kernel starts.
"""
import os
import tempfile

from rec_utils.paths import OUTPUT_ROOT_ENV

os.environ.setdefault(OUTPUT_ROOT_ENV, tempfile.mkdtemp(prefix="seqrec-test-output-"))
