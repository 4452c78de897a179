"""Shared fixtures: quiet TensorFlow and a small IMDB-format data folder (pytest.ini puts the repository root and
tests/ on the import path)."""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_imdb_npz(path, n_train=60, n_test=40, vocab=300, max_len=40, seed=0):
    """A small file in Keras's imdb.npz format: object arrays of word-rank lists, int64 labels."""
    rng = np.random.default_rng(seed)

    def reviews(n):
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = [int(w) for w in rng.integers(1, vocab, rng.integers(3, max_len))]
        return out

    np.savez(path, x_train=reviews(n_train), y_train=rng.integers(0, 2, n_train),
             x_test=reviews(n_test), y_test=rng.integers(0, 2, n_test))


@pytest.fixture
def imdb_dir(tmp_path):
    """A data folder holding a small imdb.npz and a matching imdb_word_index.json."""
    write_imdb_npz(tmp_path / "imdb.npz")
    (tmp_path / "imdb_word_index.json").write_text(json.dumps({f"w{r}": r for r in range(1, 300)}))
    return tmp_path


@pytest.fixture
def phrase_dir(imdb_dir):
    """The small data folder, with the probe's default phrase words in its vocabulary (ranks 1-6)."""
    words = ["i", "absolutely", "loved", "hated", "this", "movie"]
    index = {w: r for r, w in enumerate(words, 1)}
    index.update({f"w{r}": r for r in range(len(words) + 1, 300)})
    (imdb_dir / "imdb_word_index.json").write_text(json.dumps(index))
    return imdb_dir
