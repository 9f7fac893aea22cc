"""Tables indexed by the bits of a float32: log-spaced bins that cost a shift to find.

A positive float32's bit pattern, read as an integer, grows with the logarithm of its value: the
exponent field counts octaves and the top mantissa bits split each octave into ``2 ** bits``
equal steps. Shifting the pattern right therefore gives the index of a bin whose width is a
bounded *fraction* of the value (0.1 % to 0.2 % at 9 bits), as fine for a dark pixel as for a
bright one, with no sqrt, log or division per pixel. The kernel reads the pattern through an int32 view of a
row buffer; a negative value (float rounding just below 0) has a negative pattern and clamps to
bin 0, a value at or above the top of the range, or NaN, clamps to the last bin.

Bin 0 holds everything below ``2 ** lowest`` (a table puts there what black becomes); bin ``i``
>= 1 covers ``[2 ** lowest * 2 ** ((i - 1) / 2 ** bits), ...)``; the last bin everything from
``2 ** highest`` up. :func:`centres` gives the value each bin stands for (its geometric middle).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class LogBins(NamedTuple):
    """``2 ** bits`` bins per octave from ``2 ** lowest`` to ``2 ** highest``."""

    bits: int
    lowest: int
    highest: int

    @property
    def shift(self) -> int:
        """Right shift of the float32 pattern that leaves exponent and ``bits`` mantissa bits."""
        return 23 - self.bits

    @property
    def base(self) -> int:
        """Shifted pattern of ``2 ** lowest``, minus 1 (so that it lands in bin 1)."""
        return ((127 + self.lowest) << self.bits) - 1

    @property
    def size(self) -> int:
        """Number of bins: the catch-all below, the octaves, the catch-all above."""
        return ((self.highest - self.lowest) << self.bits) + 2

    def index(self, values: np.ndarray) -> np.ndarray:
        """Bin of each value, as the kernel computes it (for tests and table checks)."""
        pattern = np.asarray(values, dtype=np.float32).view(np.int32)
        return np.clip((pattern >> self.shift) - self.base, 0, self.size - 1)


def centres(bins: LogBins) -> np.ndarray:
    """The value each bin stands for (float64): 0 for bin 0, the middle of each step, ``2 **
    highest`` for the last bin. Within an octave the steps are equal (the mantissa is linear),
    so a step is between 1 / 2 ** (bits + 1) and 1 / 2 ** bits of the value it holds."""
    steps = np.arange(bins.size - 2, dtype=np.int64)
    octave, step = steps >> bins.bits, steps & ((1 << bins.bits) - 1)
    values = 2.0 ** (bins.lowest + octave) * (1.0 + (step + 0.5) / (1 << bins.bits))
    return np.concatenate([[0.0], values, [2.0 ** bins.highest]])


#: tone ratio Y' / Y over linear luminance: exposure and white balance keep Y below 8 (2 ** 3);
#: a 16-bit photo's darkest non-black pixel is Y = 8.5e-8 (2 ** -23.5), -2 EV takes it to 2 ** -25.5
#: (kernels.render_pointwise_u8 indexes it with uint16: keep it under 65,536 bins)
TONE_BINS = LogBins(bits=9, lowest=-26, highest=3)
