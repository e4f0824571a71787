from enum import StrEnum


class WebhookEventType(StrEnum):
    APPROVALS_WAITING = "approvals.waiting"
    APP_CONSENT_LOST = "app.consent_lost"
    APP_QUARANTINED = "app.quarantined"
    DELETION_THRESHOLD_REACHED = "deletion_threshold.reached"
    DRIFT_DETECTED = "drift.detected"
    TASK_FAILED = "task.failed"

    def __str__(self) -> str:
        return str(self.value)
