"""The IMDB reader (rnn_days/imdb.py): what keras.datasets.imdb.load_data returns, from a local copy, refusing what
is not IMDB-shaped or would run code, never changing the learner's file. Offline, except the last test."""
import hashlib
import os
import socket
import threading
import time

import day1_tensorflow as day1
from conftest import write_imdb_npz
from helpers import one_line_exit
from rnn_days import imdb

import keras
import numpy as np
import pytest

SMALL_DAY1 = ["--epochs", "1", "--maxlen", "20", "--vocab-size", "100", "--batch-size", "16"]


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def keras_load_data(path, monkeypatch, **kwargs):
    """keras.datasets.imdb.load_data on a local file: its file fetch answers with `path` (no network, no hash)."""
    import keras.src.datasets.imdb as keras_imdb
    monkeypatch.setattr(keras_imdb, "get_file", lambda *args, **kw: str(path))
    return keras.datasets.imdb.load_data(**kwargs)


# --- the loader ------------------------------------------------------------------------------------------------

KERAS_TO_OURS = {"maxlen": "keep_shorter_than", "seed": "shuffle_seed"}  # the same settings under clearer names


@pytest.mark.parametrize("kwargs", [
    {}, {"num_words": 100}, {"num_words": 50, "skip_top": 5}, {"maxlen": 20}, {"num_words": 80, "skip_top": 10,
                                                                             "maxlen": 25},
    {"seed": 7, "oov_char": None, "num_words": 60}, {"start_char": None, "index_from": 0},
])
def test_local_loader_equals_keras(imdb_dir, monkeypatch, kwargs):
    before = sha256(imdb_dir / "imdb.npz")
    ours = {KERAS_TO_OURS.get(k, k): v for k, v in kwargs.items()}
    (x_train, y_train), (x_test, y_test) = imdb.load_imdb(str(imdb_dir), **ours)
    (kx_train, ky_train), (kx_test, ky_test) = keras_load_data(imdb_dir / "imdb.npz", monkeypatch, **kwargs)
    assert len(x_train) == len(kx_train) and len(x_test) == len(kx_test)
    assert [list(r) for r in x_train] == [list(r) for r in kx_train]
    assert [list(r) for r in x_test] == [list(r) for r in kx_test]
    np.testing.assert_array_equal(y_train, ky_train)
    np.testing.assert_array_equal(y_test, ky_test)
    assert x_train.dtype == kx_train.dtype == object
    assert sha256(imdb_dir / "imdb.npz") == before  # the learner's file is untouched


def test_pad_keeps_the_last_words_and_pads_in_front():
    padded = imdb.pad([[5, 6, 7, 8], [9]], maxlen=3)
    np.testing.assert_array_equal(padded, [[6, 7, 8], [0, 0, 9]])


def test_decode_round_trip(imdb_dir):
    index_to_word = imdb.index_to_word_map(imdb.load_word_index(str(imdb_dir)))
    assert imdb.decode([0, 0, 1, 4, 5, 2, 10], index_to_word) == "w1 w2 [?] w7"


def refused(data_dir):
    """The DataError message load_imdb raises for the npz in data_dir."""
    with pytest.raises(imdb.DataError) as error:
        imdb.load_imdb(str(data_dir), num_words=100)
    return str(error.value)


def test_missing_file_names_the_folder(tmp_path):
    assert "imdb.npz not found" in refused(tmp_path)


def test_corrupt_npz_is_refused_and_untouched(tmp_path):
    (tmp_path / "imdb.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    before = sha256(tmp_path / "imdb.npz")
    assert "not a readable IMDB npz" in refused(tmp_path)
    assert sha256(tmp_path / "imdb.npz") == before


def test_wrong_keys_are_named(tmp_path):
    np.savez(tmp_path / "imdb.npz", x_train=np.arange(3), y_train=np.arange(3))
    assert "lacks x_test, y_test" in refused(tmp_path)


def test_reviews_that_are_not_word_lists_are_refused(tmp_path):
    text = np.array(["a review as text", "another"], dtype=object)
    np.savez(tmp_path / "imdb.npz", x_train=text, y_train=np.arange(2), x_test=text, y_test=np.arange(2))
    assert "non-negative integer word ranks" in refused(tmp_path)


class _Payload:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def write_tampered_npz(path, marker):
    write_imdb_npz(path)
    good = dict(np.load(path, allow_pickle=True))  # our own freshly written file: safe to unpickle
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = _Payload(marker), [1, 2, 3]
    good["x_train"] = evil
    good["y_train"] = good["y_train"][:2]
    np.savez(path, **good)


def test_tampered_npz_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    write_tampered_npz(tmp_path / "imdb.npz", marker)
    # the payload is real: an unrestricted load would run it
    before = sha256(tmp_path / "imdb.npz")
    message = refused(tmp_path)
    assert "refused" in message and "system" in message
    assert not marker.exists()
    assert sha256(tmp_path / "imdb.npz") == before


def test_tampered_payload_would_run_under_allow_pickle(tmp_path):
    """Guards the test above: the same file does execute its payload through np.load(allow_pickle=True)."""
    marker = tmp_path / "pwned"
    write_tampered_npz(tmp_path / "imdb.npz", marker)
    np.load(tmp_path / "imdb.npz", allow_pickle=True)["x_train"]
    assert marker.exists()


# --- the real data -----------------------------------------------------------------------------------------------

REAL = os.environ.get("IMDB_DATA_DIR")


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the real-data integration test needs a local IMDB copy")
def test_real_imdb_first_review_is_keras_s(tmp_path):
    before = sha256(os.path.join(REAL, "imdb.npz"))
    (x_train, y_train), _ = imdb.load_imdb(REAL, num_words=10_000)
    assert x_train[0][:8] == [1, 14, 22, 16, 43, 530, 973, 1622] and len(x_train[0]) == 218
    np.testing.assert_array_equal(y_train[:10], [1, 0, 0, 1, 0, 0, 1, 0, 1, 0])
    assert sha256(os.path.join(REAL, "imdb.npz")) == before


def test_download_from_a_server_that_never_answers_ends_with_advice(tmp_path, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    accepted = []
    stop = threading.Event()

    def accept_and_say_nothing():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    monkeypatch.setattr(imdb, "ORIGIN", f"http://127.0.0.1:{server.getsockname()[1]}/")
    monkeypatch.setattr(imdb, "DOWNLOAD_TIMEOUT_S", 1)
    start = time.monotonic()
    try:
        with pytest.raises(imdb.DataError, match="--data-dir") as info:
            imdb.load_imdb(None, cache_dir=str(tmp_path))
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    assert time.monotonic() - start < 10 and len(accepted) == imdb.DOWNLOAD_TRIES
    assert f"{imdb.DOWNLOAD_TRIES} tries" in str(info.value)


def test_a_dripping_download_ends_at_the_deadline(tmp_path, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    stop = threading.Event()

    def drip():
        server.settimeout(0.2)
        conns = []
        while not stop.is_set():
            try:
                conn = server.accept()[0]
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
                conns.append(conn)
            except OSError:
                pass
            for conn in conns:   # a byte now and then: the read timeout never trips
                try:
                    conn.sendall(b"x")
                except OSError:
                    pass
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    monkeypatch.setattr(imdb, "ORIGIN", f"http://127.0.0.1:{server.getsockname()[1]}/")
    monkeypatch.setattr(imdb, "DOWNLOAD_TIMEOUT_S", 5)
    monkeypatch.setattr(imdb, "DOWNLOAD_DEADLINE_S", 2)
    start = time.monotonic()
    try:
        with pytest.raises(imdb.DataError, match="not finished after 2 s") as info:
            imdb.load_imdb(None, cache_dir=str(tmp_path))
    finally:
        stop.set()
        thread.join()
        server.close()
    assert time.monotonic() - start < 6 and "--data-dir" in str(info.value)


def write_npz(path, **changes):
    write_imdb_npz(path)
    arrays = dict(np.load(path, allow_pickle=True))  # our own freshly written file
    arrays.update(changes)
    np.savez(path, **arrays)


def reviews(*rows):
    out = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows):
        out[i] = r
    return out


@pytest.mark.parametrize("change,message", [
    ({"y_train": np.array(["pos", "neg"] * 30)}, "labels 0 and 1"),
    ({"y_train": np.eye(2)[np.arange(60) % 2]}, "one label per review"),
    ({"y_train": np.arange(60) % 2 * 5}, "labels 0 and 1"),
    ({"y_train": np.arange(60) % 2 * 2 - 1}, "labels 0 and 1"),
    ({"y_test": np.full(40, np.nan)}, "labels 0 and 1"),
    ({"x_test": reviews(), "y_test": np.array([], int)}, "test split is empty"),
    ({"x_train": reviews(*[[1.5, 2.0]] * 60)}, "non-negative integer word ranks"),
    ({"x_train": reviews(*[[1, float("nan")]] * 60)}, "non-negative integer word ranks"),
    ({"x_train": reviews(*[[4, -3]] * 60)}, "non-negative integer word ranks"),
], ids=["string-labels", "one-hot", "0-5", "minus-plus-1", "nan-labels", "empty-test", "float-ids", "nan-ids",
        "negative-ids"])
def test_data_that_is_not_imdb_shaped_exits_1(change, message, imdb_dir, tmp_path, capsys):
    write_npz(imdb_dir / "imdb.npz", **change)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(tmp_path / "o")] + SMALL_DAY1,
                              capsys)
    assert code == 1 and message in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("rank", ['"3"', "null", "2.5", "-10", "0", "true"])
def test_word_index_ranks_must_be_positive_integers(rank, imdb_dir, tmp_path, capsys):
    (imdb_dir / "imdb_word_index.json").write_text('{"good": 1, "bad": %s}' % rank)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(tmp_path / "o")] + SMALL_DAY1,
                              capsys)
    assert code == 1 and "'bad'" in err and "positive integers" in err
