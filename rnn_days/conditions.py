"""The conditions a measurement was made under: library versions, CPU model, thread counts.

Seeded training is bit-for-bit repeatable on one machine, not across CPUs, library builds or thread settings, so
every results file records these beside its numbers.
"""
import os
import platform
import sys


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def simd():
    """The widest vector instructions the CPU offers (AVX-512, AVX2, ...): two CPUs of one model name can differ here,
    and with them the rounding of a compiled step."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return platform.machine()
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2")):
        if flag in flags:
            return name
    return platform.machine()


def blas_threads():
    """{library: threads} for NumPy's BLAS and OpenMP pools, as threadpoolctl sees them."""
    from threadpoolctl import threadpool_info
    return {f"{p['internal_api']} ({p.get('prefix', '')})": p["num_threads"] for p in threadpool_info()}


def conditions():
    """A dict for results files; TensorFlow's entries only when this process has imported it."""
    import numpy as np
    info = {"python": platform.python_version(), "numpy": np.__version__, "cpu": cpu_model(), "simd": simd(),
            "cores": os.cpu_count(), "blas_threads": blas_threads()}
    if "tensorflow" in sys.modules:
        import keras
        import tensorflow as tf
        intra, inter = (tf.config.threading.get_intra_op_parallelism_threads(),
                        tf.config.threading.get_inter_op_parallelism_threads())
        info.update(tensorflow=tf.__version__, keras=keras.__version__,
                    # 0 means TensorFlow's default: one thread per core
                    tf_intra_op_threads=intra or os.cpu_count(), tf_inter_op_threads=inter or os.cpu_count())
    return info


def describe(c, threads=True):
    """One line for a results table's caption (threads=False where the table gives them per row)."""
    text = f"NumPy {c['numpy']}"
    if "tensorflow" in c:
        text = f"TensorFlow {c['tensorflow']}, Keras {c['keras']}, " + text
        if threads:
            text += f"; TF threads intra-op {c['tf_intra_op_threads']}, inter-op {c['tf_inter_op_threads']}"
    blas = ", ".join(f"{k.split(' ')[0]} {v}" for k, v in c["blas_threads"].items())
    if threads:
        text += f"; BLAS threads {blas or 'n/a'}"
    return f"{text}; {c['cpu']}, {c['cores']} cores"


def set_threads(n):
    """Use n threads in NumPy's BLAS and TensorFlow's op pools (call before TensorFlow runs anything)."""
    from threadpoolctl import threadpool_limits
    limits = threadpool_limits(n)
    if "tensorflow" in sys.modules:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    return limits
