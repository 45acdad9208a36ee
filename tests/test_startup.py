"""Start-up: ``import pipeline`` keeps PyTorch and spaCy's own command line out of ``import spacy``
(seconds and a fifth of a second of every start), and spaCy still behaves as without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import pipeline, spacy
loaded = {name: name in sys.modules for name in ("torch", "requests", "weasel", "spacy.cli")}
words = len(spacy.blank("nl")("Ik heb toen besloten de moeder te bellen."))
import spacy.cli.download
same = sys.modules["spacy.cli.download"].download is spacy.cli.download
info = spacy.info()
print(json.dumps({"loaded": loaded, "words": words, "download_is_the_function": same,
                  "info_keys": sorted(info), "cli_commands": len(spacy.cli.app.registered_commands)}))
"""


def _probe(**env: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                         env={**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_spacy_leaves_out_torch_and_spacys_command_line_until_used() -> None:
    ours = _probe()
    assert ours["loaded"] == {"torch": False, "requests": False, "weasel": False, "spacy.cli": False}
    assert ours["words"] == 9
    stock = _probe(NARRATIVES_SPACY_CLI="1", NARRATIVES_SPACY_TORCH="1")
    assert stock["loaded"]["spacy.cli"] and stock["loaded"]["requests"]
    # once used, spaCy's command line is the real one, as after spaCy's own import
    for key in ("download_is_the_function", "info_keys", "cli_commands", "words"):
        assert ours[key] == stock[key], key
    assert ours["download_is_the_function"] and "pipelines" in ours["info_keys"]
