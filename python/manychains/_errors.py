"""The exceptions manychains raises besides ValueError, MemoryError and FloatingPointError."""


class SamplingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; ``.result`` holds what was complete (whole draws of every chain), in the
    form the call returns (an InferenceData, a dict, ...)."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result
