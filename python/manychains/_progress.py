"""A tqdm progress bar for long runs, when tqdm is installed (progress=None or True), else nothing."""


class progress_bar:
    """Context manager whose value is the callable (done, total) the library calls, or None."""

    def __init__(self, progress, description):
        self.bar = None
        self.callback = None
        if progress is False:
            return
        if callable(progress) and progress is not True:
            self.callback = progress
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=0, desc=description, leave=False, unit="step", mininterval=0.2,
                        disable=None)  # None: off where stderr is no terminal (logs, CI)
        self.callback = self._update

    def _update(self, done, total):
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __enter__(self):
        return self.callback

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False
