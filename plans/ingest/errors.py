"""The one error the ingest pipeline raises: a file it cannot accept, with a reason a person can act on."""


class IngestError(Exception):
    """A file was rejected; `reason` says why in words a member of staff can act on (e.g. "空文件")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
