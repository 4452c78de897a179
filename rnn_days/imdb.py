"""IMDB as word indices, exactly as `keras.datasets.imdb.load_data` returns it -- from Keras's download or a local
copy -- checked to be IMDB-shaped, then padded for a fixed-length RNN.

Keras's conventions: 0 pads, 1 marks the start of a review, 2 stands for a word outside the vocabulary, and real word
ranks (1 = most frequent) are shifted up by 3 so they never collide with those three.
"""
import io
import itertools
import json
import os
import pickle
import socket
import threading
import zipfile

from rnn_days.cli import Failure

import numpy as np

PAD, START, OOV, INDEX_FROM = 0, 1, 2, 3
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
KERAS_SHUFFLE_SEED = 113  # load_data shuffles both splits with this fixed seed: the same order on every machine
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = {  # Keras's own files and the hashes its get_file checks
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
}
DOWNLOAD_TIMEOUT_S, DOWNLOAD_TRIES = 20, 2  # a silent server is given up on after about 40 s
DOWNLOAD_DEADLINE_S = 300                   # and any download, however slowly it drips, after 5 minutes


class DataError(Failure):
    """The data could not be loaded or is not IMDB-shaped; the message says what to do."""


# --- reading files --------------------------------------------------------------------------------------------------

# The npz stores each split's reviews as an object array, i.e. a pickle. Unpickling can run any code the file names,
# so -- like Keras 3's own dataset reader -- allow only the numpy globals that rebuild an array.
_ALLOWED_PICKLE_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module, name)


def _read_npy(stream):
    """One .npy member: numeric arrays without pickle at all, object arrays through the restricted unpickler."""
    version = np.lib.format.read_magic(stream)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    _, _, dtype = read_header(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = _ArrayOnlyUnpickler(stream).load()
    if not isinstance(array, np.ndarray):
        raise ValueError("an object member is not an array")
    return array


def read_npz(path):
    """Read an .npz archive into {name: array} without ever running code stored in it."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[: -len(".npy")]] = _read_npy(io.BytesIO(archive.read(member)))
    return arrays


def download(name, cache_dir=None):
    """Keras's copy of `name` (cached in ~/.keras/datasets), with a timeout per read, a bounded retry and an overall
    deadline. Returns its path."""
    import keras

    outcome = {}

    def fetch():
        for attempt in range(1, DOWNLOAD_TRIES + 1):
            try:
                outcome["path"] = keras.utils.get_file(name, origin=ORIGIN + name, file_hash=FILES[name],
                                                       cache_dir=cache_dir)
                return
            except Exception as exc:  # offline, proxy, stalled server, disk full: all end the same way
                outcome["error"] = exc

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)  # urllib has no timeout of its own: a silent server would hang
    try:
        # a server that drips a byte now and then never trips the read timeout: the deadline ends the wait (the
        # download thread is a daemon, gone with the process)
        worker = threading.Thread(target=fetch, daemon=True)
        worker.start()
        worker.join(DOWNLOAD_DEADLINE_S)
    finally:
        socket.setdefaulttimeout(previous)
    if "path" in outcome:
        return outcome["path"]
    error = outcome.get("error")
    why = (f"{DOWNLOAD_TRIES} tries, {DOWNLOAD_TIMEOUT_S} s timeout; {type(error).__name__}: "
           f"{str(error).splitlines()[0] if str(error) else ''}" if error is not None and not worker.is_alive() else
           f"not finished after {DOWNLOAD_DEADLINE_S} s")
    raise DataError(f"could not download {name} ({why}); if you are offline, pass --data-dir DIR (or set "
                    "IMDB_DATA_DIR) with a local imdb.npz and imdb_word_index.json")


def _npz_path(data_dir, cache_dir=None):
    if data_dir is None:
        return download("imdb.npz", cache_dir)
    path = os.path.join(data_dir, "imdb.npz")
    if not os.path.isfile(path):
        raise DataError(f"{path} not found: --data-dir (or IMDB_DATA_DIR) must hold imdb.npz and imdb_word_index.json")
    return path


def _read_checked(path):
    """The four arrays of an IMDB npz, refused with a DataError unless they are IMDB-shaped."""
    try:
        arrays = read_npz(path)
    except pickle.UnpicklingError as exc:
        raise DataError(f"{path} was refused and nothing in it was run ({exc}); use an untampered copy of imdb.npz")
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, pickle.PickleError) as exc:
        raise DataError(f"{path} is not a readable IMDB npz ({type(exc).__name__}: {exc}); download imdb.npz again")
    missing = [key for key in NPZ_KEYS if key not in arrays]
    if missing:
        raise DataError(f"{path} lacks {', '.join(missing)}: an IMDB npz holds {', '.join(NPZ_KEYS)}")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(x) == 0:
            raise DataError(f"{path}: the {split} split is empty; download imdb.npz again")
        if y.ndim != 1 or len(x) != len(y):
            raise DataError(f"{path}: y_{split} must be one label per review ({len(x)}), got shape {y.shape}")
        if y.dtype.kind not in "iuf" or not np.all((y == 0) | (y == 1)):
            raise DataError(f"{path}: y_{split} must hold only the labels 0 and 1, found e.g. "
                            f"{_first_bad(y, lambda v: v in (0, 1))!r}")
        _check_word_ids(path, split, x)
    return arrays


def _first_bad(values, ok):
    return next((v for v in values if not (isinstance(v, (int, float, np.number)) and ok(v))), None)


def _check_word_ids(path, split, reviews):
    """Each review must be a list of non-negative integer word ranks."""
    try:
        flat = np.array(list(itertools.chain.from_iterable(reviews)))
    except TypeError:  # a review that is not a list (a number, None)
        raise DataError(f"{path}: x_{split} must hold lists of word ranks, found a {type(reviews[0]).__name__}")
    if len(flat) and (flat.dtype.kind not in "iu" or flat.min() < 0):
        bad = _first_bad(flat.tolist(), lambda v: isinstance(v, int) and v >= 0)
        raise DataError(f"{path}: x_{split} must hold non-negative integer word ranks, found {bad!r}; "
                        "this is not Keras's IMDB format")


# --- Keras's load steps ---------------------------------------------------------------------------------------------

def load_imdb(data_dir=None, num_words=None, skip_top=0, keep_shorter_than=None, shuffle_seed=KERAS_SHUFFLE_SEED,
              start_char=START, oov_char=OOV, index_from=INDEX_FROM, cache_dir=None):
    """IMDB as `keras.datasets.imdb.load_data` returns it: ((x_train, y_train), (x_test, y_test)).

    Each x is an object array of reviews, each review a list of word indices. The file is DATA_DIR/imdb.npz, or
    Keras's download when data_dir is None; then come exactly Keras's steps: the fixed shuffle, start_char,
    index_from, dropping reviews of `keep_shorter_than` indices or more (Keras calls it maxlen), and
    num_words/skip_top -> oov_char.
    """
    arrays = _read_checked(_npz_path(data_dir, cache_dir))
    rng = np.random.RandomState(shuffle_seed)
    splits = []
    for split in ("train", "test"):
        order = np.arange(len(arrays[f"x_{split}"]))
        rng.shuffle(order)
        x = [([start_char] if start_char is not None else []) + [int(w) + index_from for w in review]
             for review in arrays[f"x_{split}"][order]]
        y = arrays[f"y_{split}"][order]
        if keep_shorter_than:
            keep = [i for i, review in enumerate(x) if len(review) < keep_shorter_than]
            x, y = [x[i] for i in keep], y[keep]
            if not x:
                raise DataError(f"no {split} review is shorter than {keep_shorter_than} words")
        splits.append((x, y))
    (x_train, y_train), (x_test, y_test) = splits
    reviews = x_train + x_test
    if not num_words:
        num_words = max(max(r) for r in reviews if r)
    if oov_char is not None:
        reviews = [[w if skip_top <= w < num_words else oov_char for w in r] for r in reviews]
    else:
        reviews = [[w for w in r if skip_top <= w < num_words] for r in reviews]
    n = len(x_train)
    return (np.array(reviews[:n], dtype="object"), y_train), (np.array(reviews[n:], dtype="object"), y_test)


def load_word_index(data_dir=None, cache_dir=None):
    """word -> rank (1 = most frequent), from DATA_DIR/imdb_word_index.json or Keras's download."""
    path = download("imdb_word_index.json", cache_dir) if data_dir is None else \
        os.path.join(data_dir, "imdb_word_index.json")
    try:
        with open(path, encoding="utf-8") as f:
            word_index = json.load(f)
    except FileNotFoundError:
        raise DataError(f"{path} not found: --data-dir (or IMDB_DATA_DIR) must hold imdb_word_index.json too")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a readable word index ({type(exc).__name__}); download it again")
    if not isinstance(word_index, dict) or not word_index:
        raise DataError(f"{path} is not a word index (expected a JSON object word -> rank)")
    for word, rank in word_index.items():
        if type(rank) is not int or rank < 1:
            raise DataError(f"{path}: the rank of {word!r} is {rank!r}; ranks must be positive integers")
    return word_index


# --- words <-> indices ----------------------------------------------------------------------------------------------

def index_to_word_map(word_index):
    return {rank + INDEX_FROM: word for word, rank in word_index.items()}


def decode(review, index_to_word):
    """Word indices back to text; `index_to_word` maps index (rank + INDEX_FROM) to word."""
    return " ".join("[?]" if i == OOV else index_to_word.get(i, "[?]") for i in review if i not in (PAD, START))


def encode(text, word_index, vocab_size):
    """Text -> word indices as a model with `vocab_size` words reads them (rank + 3).

    Raises ValueError naming the words outside that vocabulary."""
    words = text.lower().split()
    unknown = [w for w in words if word_index.get(w, vocab_size) + INDEX_FROM >= vocab_size]
    if unknown:
        raise ValueError(f"not among the {vocab_size:,} words the model knows: {', '.join(dict.fromkeys(unknown))}")
    return [word_index[w] + INDEX_FROM for w in words]


def statistics(train, test, maxlen=200):
    """What notes/day1.md, section 1, says of the data: per split (reviews as lists of word indices, labels 0/1)
    the number of reviews, the share positive, the mean and median length in words (the start mark counted), the
    share longer than maxlen; for the training split the mean share of OOV words per review and the first review's
    first eight indices."""
    out = {}
    for name, (x, y) in (("train", train), ("test", test)):
        lengths = np.array([len(r) for r in x])
        out[name] = {"reviews": int(len(x)), "positive_share": float(np.mean(y)), "length_mean": float(lengths.mean()),
                     "length_median": float(np.median(lengths)), "longer_than_maxlen": float(np.mean(lengths > maxlen))}
    out["train"]["oov_share_mean"] = float(np.mean([np.mean(np.asarray(r) == OOV) for r in train[0]]))
    out["train"]["first_review_start"] = [int(i) for i in train[0][0][:8]]
    out["maxlen"] = maxlen
    return out


# --- fixed length ---------------------------------------------------------------------------------------------------

def pad(reviews, maxlen, padding="pre"):
    """Keep the *last* maxlen words; pad at the front ("pre"), so every review's final word meets the final RNN step."""
    import keras
    return keras.utils.pad_sequences(reviews, maxlen=maxlen, padding=padding, truncating="pre")
