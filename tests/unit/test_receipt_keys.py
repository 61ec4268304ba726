"""Receipt keys and secret files: created owner-only from the first byte, one winner when replicas race,
rotation that keeps older keys, and tokens that name their key."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
import threading

import pytest

from portsight.config import PROJECT_ROOT, load_settings
from portsight.security import (
    LEGACY_KEY_ID,
    Keyring,
    create_secret_file,
    read_receipt_keys,
    receipt_keyring,
    rotate_receipt_key,
)
from portsight.services import receipts

# Run under umask 0 (where a plain write makes the file 0666): record every open for writing in the data
# folder and every chmod, and the mode of the file at the moment it gets its name.
WATCH_SECRET_CREATION = textwrap.dedent(
    """
    import os, stat, sys
    from pathlib import Path

    os.umask(0)
    data_dir = Path(sys.argv[1])
    writes, chmods = [], []

    def hook(event, args):
        if event == "open" and str(args[0]).startswith(str(data_dir)):
            flags = args[2] if isinstance(args[2], int) else 0
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                writes.append(Path(args[0]).name)
        elif event == "os.chmod":
            chmods.append(str(args[0]))

    sys.addaudithook(hook)
    real_link, named = os.link, []

    def link(src, dst, *a, **k):
        named.append(oct(stat.S_IMODE(os.stat(src).st_mode)))
        return real_link(src, dst, *a, **k)

    os.link = link
    from portsight.config import load_settings

    settings = load_settings({"PORTSIGHT_DATA_DIR": str(data_dir)})
    print(oct(stat.S_IMODE(os.stat(data_dir / ".secret").st_mode)))
    print(named)
    print(writes)
    print(chmods)
    print(len(settings.secret))
    """
)


def test_the_secret_file_is_owner_only_from_creation_even_under_umask_0(tmp_path):
    data_dir = tmp_path / "data"
    out = subprocess.run(
        [sys.executable, "-c", WATCH_SECRET_CREATION, str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    ).stdout.splitlines()
    mode, named, writes, chmods, length = out
    assert mode == "0o600"
    assert named == "['0o600']"  # the name appeared once, on a file already 0600
    # Written under a temporary name only (never the final name), and nothing chmod'ed afterwards.
    assert ".secret'" not in writes and ".tmp'" in writes, writes
    assert chmods == "[]" and length == "64"


def test_an_existing_secret_file_is_read_not_rewritten(tmp_path):
    (tmp_path / ".secret").write_text("kept\n")
    assert load_settings({"PORTSIGHT_DATA_DIR": str(tmp_path)}).secret == "kept"


def test_replicas_creating_the_secret_at_once_agree_on_one(tmp_path):
    path = tmp_path / ".secret"
    results: dict[int, bool] = {}
    barrier = threading.Barrier(8)

    def create(n: int) -> None:
        barrier.wait()
        results[n] = create_secret_file(path, f"value-{n}")

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [winner] = [n for n, created in results.items() if created]
    assert path.read_text() == f"value-{winner}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".secret"]  # no temporary file left behind


def test_rotation_adds_a_current_key_and_keeps_the_older_ones(tmp_path):
    path = tmp_path / "receipt-keys"
    before = receipt_keyring(path, "legacy-secret")
    assert before.current == LEGACY_KEY_ID and before.key(LEGACY_KEY_ID) == "legacy-secret"
    assert (rotate_receipt_key(path), rotate_receipt_key(path)) == ("k1", "k2")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = dict(read_receipt_keys(path))
    after = receipt_keyring(path, "legacy-secret")
    assert after.current == "k2" and after.signing_key() == ("k2", keys["k2"])
    assert after.key("k1") == keys["k1"] and after.key(None) == after.key("k0") == "legacy-secret"
    assert after.key("k3") is None and keys["k1"] != keys["k2"]


@pytest.mark.parametrize("line", ["k0 reuses-the-legacy-id", "k1", "key1 abc", "k1:abc"])
def test_a_malformed_key_file_says_which_line(tmp_path, line):
    path = tmp_path / "receipt-keys"
    path.write_text(f"# keys\nk1 abc\n{line}\n")
    with pytest.raises(ValueError, match="line 3"):
        read_receipt_keys(path)


def test_a_token_names_its_key_and_a_bare_secret_issues_without_one():
    sig = "cd" * 32
    token = receipts.make_token("RR-CNSGH-20250303-A1B2C3", receipts.stored_signature("k2", sig))
    assert token == "RR-CNSGH-20250303-A1B2C3.k2." + sig[:24]
    assert receipts.parse_token(token.lower()) == ("RR-CNSGH-20250303-A1B2C3", "k2", sig[:24])
    assert receipts.parse_token("RR-X.key2." + sig[:24]) is None
    assert receipts.parse_token("RR-X.k2.k3." + sig[:24]) is None
    assert Keyring.single("s").signing_key() == (None, "s") and Keyring.single("").signing_key() is None


def test_the_rotate_key_command_adds_a_key_and_lists_ids_never_keys(tmp_path, monkeypatch, capsys):
    from portsight.__main__ import main

    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PORTSIGHT_SECRET", raising=False)
    monkeypatch.delenv("PORTSIGHT_RECEIPT_KEYS_FILE", raising=False)
    assert main(["receipts", "rotate-key"]) == 0 and "k1" in capsys.readouterr().out
    assert main(["receipts", "keys"]) == 0
    listed = capsys.readouterr().out
    assert "k1 (current)" in listed and "k0" in listed
    assert dict(read_receipt_keys(tmp_path / "receipt-keys"))["k1"] not in listed
