"""What a failed S3 call says, read in one place for every call storage/s3.py makes:
an answer S3 refused with (its status and code), or no answer at all."""

import logging
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from ..core.logsafe import redact
from ..exceptions import StorageUnavailable

logger = logging.getLogger("restthumbnails")

# HEAD answers carry no error code: only the status says what happened.
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_FORBIDDEN_HINT = (
    "the credentials need s3:GetObject, and s3:ListBucket so that a missing key "
    "is a 404 rather than a 403"
)
S3_ERRORS = (ClientError, BotoCoreError)


@dataclass(frozen=True)
class S3Failure:
    """What a failed S3 call says: an answer S3 refused with, or no answer at all."""

    answered: bool  # False: the endpoint was never reached (BotoCoreError)
    status: int  # the HTTP status of S3's answer, 0 without one
    code: str  # S3's error code, "" when the answer (a HEAD's) has none
    reason: str  # "403 AccessDenied" for an answer, the exception's class name otherwise
    detail: str  # the exception's own text

    @classmethod
    def of(cls, exc: Exception) -> "S3Failure":
        if not isinstance(exc, ClientError):
            return cls(False, 0, "", type(exc).__name__, str(exc))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = str(exc.response.get("Error", {}).get("Code", ""))
        # Only the status when the error has no code of its own.
        reason = str(status) if code in ("", str(status)) else f"{status} {code}"
        return cls(True, status, code, reason, str(exc))

    def missing(self, codes: frozenset[str] = _MISSING) -> bool:
        return self.answered and (self.status == 404 or self.code in codes)

    def log(self, operation: str, bucket: str, name: str) -> None:
        if self.answered:
            hint = f" ({_FORBIDDEN_HINT})" if self.status == 403 else ""
            logger.error(
                "S3 %s %s in %s refused: %s%s", operation, redact(name), bucket, self.reason, hint
            )
        else:
            logger.error("S3 %s %s in %s failed: %s", operation, redact(name), bucket, self.detail)

    def unavailable(self, what: str) -> StorageUnavailable:
        return StorageUnavailable(f"{what} cannot be {'read' if self.answered else 'reached'}")

    def said(self, operation: str) -> str:
        return f"S3 {operation} {'refused' if self.answered else 'failed'}: {self.reason}"
