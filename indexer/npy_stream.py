"""A one-dimensional `.npy` file written piece by piece, so that a build never
holds a whole array of the corpus's size in memory.

The file is the one `np.save` writes for the concatenated pieces, byte for
byte: NumPy's version 1.0 header (which leaves room for the length to grow,
so the header written first, for no elements, has the size of the final
one) and the raw elements after it. `close` rewrites the header with the
final length.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np


class NpyStream:
    """Append arrays of one dtype to `path`; `close` finishes the file."""

    def __init__(self, path: Path | str, dtype):
        self.path, self.dtype, self.count = Path(path), np.dtype(dtype), 0
        self._file = open(self.path, "wb")  # closed by `close`
        self._header_size = self._file.write(self._header(0))

    def write(self, values) -> None:
        """Append `values` (an array or a list), converted to the dtype."""
        array = np.asarray(values, dtype=self.dtype)
        self._file.write(array.tobytes())
        self.count += len(array)

    def close(self) -> None:
        header = self._header(self.count)
        if len(header) == self._header_size:
            self._file.seek(0)
            self._file.write(header)
            self._file.close()
            return
        # A header that grew after all (never for a 1-D array): write anew.
        self._file.close()
        data = np.fromfile(self.path, dtype=self.dtype, offset=self._header_size)
        np.save(self.path, data)

    def abandon(self) -> None:
        """Close without finishing, and remove the file."""
        self._file.close()
        self.path.unlink(missing_ok=True)

    def _header(self, count: int) -> bytes:
        buffer = io.BytesIO()
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False}
        np.lib.format.write_array_header_1_0(buffer, {**header, "shape": (count,)})
        return buffer.getvalue()
